// The coordinator's Kafka transport logs as the app does: LOG_LEVEL decides which of its lines
// (kafkajs's own included) are written, LOG_REDACT_PATHS hides their fields. It used to write
// its own JSON lines to stdout and stderr whatever the settings.
import { Writable } from 'node:stream';
import { jest } from '@jest/globals';
import type { MessageTransport } from '#messaging';
import { loadCoordinatorConfig } from '../../../apps/coordinator/src/config/coordinator-config.js';
import {
  createMessageTransport,
  kafkaLogLevel,
} from '../../../apps/coordinator/src/runtime/message-transport.js';
import { TEST_SECURITY_ENV } from '../../support/test-credentials.js';

/** Port 1 of the loopback: nothing listens there, so kafkajs logs a connection error at once. */
const NO_BROKER = '127.0.0.1:1';

type Line = Record<string, unknown>;

function capture(): { stream: Writable; lines: Line[] } {
  const lines: Line[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const text of chunk.toString('utf8').split('\n')) {
        if (text !== '') lines.push(JSON.parse(text) as Line);
      }
      done();
    },
  });
  return { stream, lines };
}

function transportWith(env: Record<string, string>, stream: Writable): MessageTransport {
  const config = loadCoordinatorConfig({
    KAFKA_BROKERS: NO_BROKER,
    DATABASE_URL: 'postgres://unused@127.0.0.1:1/unused',
    LOG_FORMAT: 'json',
    ...TEST_SECURITY_ENV,
    ...env,
  });
  return createMessageTransport(config, stream);
}

/** Asks the broker that is not there for topics, and waits for the request to give up. */
async function failedRequest(transport: MessageTransport): Promise<void> {
  await expect(transport.administrator.missingTopics(['t'])).rejects.toThrow();
}

describe('the coordinator transport log lines', () => {
  const stderr = jest.spyOn(console, 'error').mockImplementation(() => undefined);
  afterEach(() => stderr.mockClear());
  afterAll(() => stderr.mockRestore());

  it("go through the app's logger, with LOG_REDACT_PATHS hidden", async () => {
    const { stream, lines } = capture();
    await failedRequest(transportWith({ LOG_LEVEL: 'info', LOG_REDACT_PATHS: 'broker' }, stream));

    const connectionErrors = lines.filter(
      (line) => line.component === 'kafkajs.Connection' && line.level === 50,
    );
    expect(connectionErrors.length).toBeGreaterThan(0);
    for (const line of connectionErrors) expect(line).toMatchObject({ broker: '[REDACTED]' });
    expect(stderr).not.toHaveBeenCalled();
  }, 60_000);

  it('write nothing with LOG_LEVEL=silent', async () => {
    const { stream, lines } = capture();
    await failedRequest(transportWith({ LOG_LEVEL: 'silent' }, stream));

    expect(lines).toEqual([]);
    expect(stderr).not.toHaveBeenCalled();
  }, 60_000);
});

describe('kafkaLogLevel', () => {
  it('keeps kafkajs one step quieter than the app', () => {
    expect(kafkaLogLevel('info')).toBe('warn');
    expect(kafkaLogLevel('debug')).toBe('info');
    expect(kafkaLogLevel('trace')).toBe('debug');
    expect(kafkaLogLevel('error')).toBe('error');
    expect(kafkaLogLevel('silent')).toBe('nothing');
  });
});
