import { REFUSED_TOPIC_MS, RefusedTopics } from './refused-topics.js';

describe('RefusedTopics', () => {
  it('refuses a topic for REFUSED_TOPIC_MS after the broker refused it, then tries it again', () => {
    const topics = new RefusedTopics();
    topics.refuse('gone.commands', 1_000);

    expect(topics.refuses('gone.commands', 1_000 + REFUSED_TOPIC_MS - 1)).toBe(true);
    expect(topics.refuses('saga.events', 1_000)).toBe(false);
    expect(topics.refuses('gone.commands', 1_000 + REFUSED_TOPIC_MS)).toBe(false);
  });

  it('forgets every topic whose time is over at the next look, asked about or not', () => {
    const topics = new RefusedTopics(30_000);
    for (let n = 0; n < 100; n++) topics.refuse(`gone-${n}.commands`, 0);
    topics.refuse('later.commands', 20_000);

    expect(topics.refuses('saga.events', 30_000)).toBe(false);
    expect(topics.size).toBe(1);
    expect(topics.refuses('later.commands', 49_999)).toBe(true);
    expect(topics.refuses('saga.events', 50_000)).toBe(false);
    expect(topics.size).toBe(0);
  });

  it('refuses a topic refused again for the time from its last refusal', () => {
    const topics = new RefusedTopics(30_000);
    topics.refuse('gone.commands', 0);
    topics.refuse('gone.commands', 25_000);

    expect(topics.refuses('gone.commands', 40_000)).toBe(true);
    expect(topics.refuses('gone.commands', 55_000)).toBe(false);
  });
});
