import { conformanceOptionsOf } from './conformance-options.js';

describe('conformanceOptionsOf', () => {
  it('reads the flags, with KAFKA_BROKERS and TOPIC_PREFIX as defaults', () => {
    const options = conformanceOptionsOf(['--participant', 'shipping'], {
      KAFKA_BROKERS: 'a:9092,b:9093',
      TOPIC_PREFIX: 'dev.',
    });
    expect(options).toEqual({
      participant: 'shipping',
      brokers: ['a:9092', 'b:9093'],
      topicPrefix: 'dev.',
      timeoutMs: 30_000,
      inputs: {},
    });
  });

  it('lets the flags win over the environment', () => {
    const options = conformanceOptionsOf(
      ['--participant=payment', '--brokers=k:1', '--topic-prefix=', '--timeout-ms', '5000'],
      { KAFKA_BROKERS: 'a:9092', TOPIC_PREFIX: 'dev.' },
    );
    expect(options).toMatchObject({ brokers: ['k:1'], topicPrefix: '', timeoutMs: 5_000 });
  });

  it('reads sample inputs by saga type from a JSON file', () => {
    const files: Record<string, string> = { 'inputs.json': '{"refund":{"orderId":"1"}}' };
    const options = conformanceOptionsOf(
      ['--participant', 'payment', '--brokers', 'k:1', '--inputs', 'inputs.json'],
      {},
      (path) => files[path]!,
    );
    expect(options.inputs).toEqual({ refund: { orderId: '1' } });
  });

  it('names every bad option', () => {
    expect(() =>
      conformanceOptionsOf(['--participant', 'Shipping!', '--timeout-ms', 'soon'], {}),
    ).toThrow(
      /--participant: expected a participant name.*; --brokers: required: --brokers host:port.*; --timeout-ms: /,
    );
  });

  it('refuses an unknown flag and an unreadable inputs file', () => {
    expect(() => conformanceOptionsOf(['--participant', 'a', '--color'], {})).toThrow(/color/);
    expect(() =>
      conformanceOptionsOf(['--participant', 'a', '--inputs', 'x.json'], {}, () => '{'),
    ).toThrow(/--inputs: cannot read x.json as JSON/);
  });
});
