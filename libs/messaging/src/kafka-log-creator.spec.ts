import { logLevel, type LogEntry } from 'kafkajs';
import { createKafkaLogCreator, safeLogFields, toKafkaLogLevel } from './kafka-log-creator.js';
import type { TransportLogger, TransportLogLevel } from './transport-logger.js';

function capture(): {
  lines: [TransportLogLevel, string, Record<string, unknown>][];
  logger: TransportLogger;
} {
  const lines: [TransportLogLevel, string, Record<string, unknown>][] = [];
  return {
    lines,
    logger: { log: (level, message, fields = {}) => lines.push([level, message, fields]) },
  };
}

const entry = (level: logLevel, namespace: string, message: string, extra: object): LogEntry => ({
  namespace,
  level,
  label: 'X',
  log: { timestamp: '2026-11-28T00:00:00Z', message, ...extra },
});

describe('the kafkajs log creator', () => {
  it('passes on only safe fields: never payloads, message values or request data', () => {
    const fields = safeLogFields(
      entry(logLevel.ERROR, 'Runner', 'Error when calling eachBatch', {
        topic: 'saga.replies',
        partition: 0,
        offset: '12',
        groupId: 'coordinator',
        error: new Error('boom'),
        payload: { value: 'card=4111111111111111' },
        data: { messages: ['secret'] },
        messages: [{ value: 'secret' }],
        sasl: { password: 'hunter2' },
      }),
    );
    expect(fields).toEqual({
      component: 'kafkajs.Runner',
      topic: 'saga.replies',
      partition: 0,
      offset: '12',
      groupId: 'coordinator',
      error: 'Error: boom',
    });
    expect(JSON.stringify(fields)).not.toMatch(/4111|secret|hunter2/);
  });

  it('keeps kafkajs levels, and turns routine error responses and the bounded-retries warning into debug', () => {
    const { lines, logger } = capture();
    const log = createKafkaLogCreator(logger)(logLevel.WARN);
    log(entry(logLevel.WARN, 'Runner', 'The group is rebalancing, re-joining', {}));
    log(entry(logLevel.ERROR, 'Consumer', 'Crash: KafkaJSNumberOfRetriesExceeded', {}));
    log(entry(logLevel.ERROR, 'Connection', 'Response Heartbeat(key: 12, version: 3)', {}));
    log(
      entry(
        logLevel.WARN,
        'Producer',
        'Limiting retries for the idempotent producer may invalidate EoS guarantees',
        {},
      ),
    );
    expect(lines.map(([level, message]) => [level, message.slice(0, 20)])).toEqual([
      ['warn', 'The group is rebalan'],
      ['error', 'Crash: KafkaJSNumber'],
      ['debug', 'Response Heartbeat(k'],
      ['debug', 'Limiting retries for'],
    ]);
  });

  it('maps option levels to kafkajs levels', () => {
    expect(toKafkaLogLevel('warn')).toBe(logLevel.WARN);
    expect(toKafkaLogLevel('nothing')).toBe(logLevel.NOTHING);
  });
});
