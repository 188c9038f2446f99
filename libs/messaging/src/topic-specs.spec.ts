import { assertTopicName, isTopicName, normaliseTopicSpecs } from './topic-specs.js';

describe('topic specs', () => {
  it('drop exact duplicates', () => {
    expect(
      normaliseTopicSpecs([
        { topic: 'saga.start', partitions: 3 },
        { topic: 'saga.start', partitions: 3 },
        { topic: 'saga.replies', partitions: 6 },
      ]),
    ).toEqual([
      { topic: 'saga.start', partitions: 3 },
      { topic: 'saga.replies', partitions: 6 },
    ]);
  });

  it.each([
    [[{ topic: 'a', partitions: 0 }], 'partitions must be an integer'],
    [[{ topic: 'a', partitions: 1.5 }], 'partitions must be an integer'],
    [
      [
        { topic: 'a', partitions: 1 },
        { topic: 'a', partitions: 2 },
      ],
      'asked for with 1 and 2 partitions',
    ],
    [[{ topic: 'bad topic', partitions: 1 }], 'invalid topic name'],
  ])('refuse %j', (specs, message) => {
    expect(() => normaliseTopicSpecs(specs)).toThrow(message);
  });

  it.each(['', '.', '..', 'a/b', 'x'.repeat(250)])('refuse the topic name %j', (name) => {
    expect(() => assertTopicName(name)).toThrow(TypeError);
    expect(isTopicName(name)).toBe(false);
  });

  it.each(['a', '...', 'saga.replies', 'x'.repeat(249)])('take the topic name %j', (name) => {
    expect(() => assertTopicName(name)).not.toThrow();
    expect(isTopicName(name)).toBe(true);
  });
});
