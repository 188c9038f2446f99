import { PassThrough } from 'node:stream';
import { pino } from 'pino';
import { logDestination } from './logging.module.js';

/** What one info line with a context and a field looks like through `logDestination`. */
function printed(forPeople: boolean): string {
  const sink = new PassThrough();
  const chunks: string[] = [];
  sink.on('data', (chunk: Buffer) => chunks.push(chunk.toString()));
  pino(logDestination(forPeople, sink)).info(
    { context: 'OutboxRelay', sagaId: 'saga-1' },
    'relay started',
  );
  return chunks.join('');
}

describe('the log destination', () => {
  it('writes one JSON object per line for machines', () => {
    const line = JSON.parse(printed(false)) as Record<string, unknown>;
    expect(line).toMatchObject({ level: 30, context: 'OutboxRelay', msg: 'relay started' });
  });

  it('writes a readable line for people: level, [context], message, then the fields', () => {
    const text = printed(true);
    expect(text).toMatch(/^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: \[OutboxRelay\] relay started\n/);
    expect(text).toContain('sagaId: "saga-1"');
    expect(text).not.toContain('{"level"');
  });
});
