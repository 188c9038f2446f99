import { parseStageTotals, stageMeans } from './stage-times.js';

const exposition = (replyAges: string, replyHandle: string) =>
  [
    '# HELP saga_consumer_message_age_seconds Time from a message being sent ...',
    '# TYPE saga_consumer_message_age_seconds histogram',
    'saga_consumer_message_age_seconds_bucket{le="0.001",topic="bench.r1.saga.replies"} 0',
    `saga_consumer_message_age_seconds_sum{topic="bench.r1.saga.replies"} ${replyAges}`,
    'saga_consumer_message_age_seconds_count{topic="bench.r1.saga.replies"} 40',
    'saga_consumer_message_age_seconds_sum{topic="bench.r1.saga.start"} 0.5',
    'saga_consumer_message_age_seconds_count{topic="bench.r1.saga.start"} 10',
    `saga_consumer_chunk_seconds_sum{topic="bench.r1.saga.replies",stage="handle"} ${replyHandle}`,
    'saga_consumer_chunk_seconds_count{topic="bench.r1.saga.replies",stage="handle"} 20',
    'saga_consumer_lag{group="g",topic="bench.r1.saga.replies"} 3',
  ].join('\n');

describe('the coordinator stage times of a rate step', () => {
  it('reads the sums and counts of the timing series by topic and stage', () => {
    const totals = parseStageTotals(exposition('0.2', '0.1'));

    expect(totals.get('saga_consumer_message_age_seconds replies')).toEqual({
      sum: 0.2,
      count: 40,
    });
    expect(totals.get('saga_consumer_message_age_seconds start')).toEqual({ sum: 0.5, count: 10 });
    expect(totals.get('saga_consumer_chunk_seconds replies handle')).toEqual({
      sum: 0.1,
      count: 20,
    });
    expect(totals.size).toBe(3);
  });

  it('gives the means between two readings, in ms, leaving out what was not observed', () => {
    const before = parseStageTotals(exposition('0.2', '0.1'));
    const after = new Map(before);
    after.set('saga_consumer_message_age_seconds replies', { sum: 0.6, count: 140 });
    after.set('saga_consumer_chunk_seconds replies handle', { sum: 0.35, count: 70 });

    const means = stageMeans(before, after);

    expect(Object.keys(means).sort()).toEqual(['replyAgeMs', 'replyDecisionMs']);
    expect(means.replyAgeMs).toBeCloseTo(4);
    expect(means.replyDecisionMs).toBeCloseTo(5);
  });
});
