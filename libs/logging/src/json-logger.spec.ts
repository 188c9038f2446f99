import { Writable } from 'node:stream';
import { createJsonLogger } from './json-logger.js';

function capture(): { lines: () => Record<string, unknown>[]; destination: Writable } {
  const chunks: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk.toString());
      done();
    },
  });
  return {
    destination,
    lines: () =>
      chunks
        .join('')
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}

describe('the JSON logger of the participants and the Kafka transport', () => {
  it('writes one JSON object per line with the message and the fields, from the level up', () => {
    const { lines, destination } = capture();
    const logger = createJsonLogger({ level: 'info', redactPaths: [], destination });
    logger.log('debug', 'routine', {});
    logger.log('warn', 'retrying', { sagaId: 's-1', step: 'pay', attempt: 2 });
    expect(lines()).toEqual([
      expect.objectContaining({
        level: 40,
        msg: 'retrying',
        sagaId: 's-1',
        step: 'pay',
        attempt: 2,
      }),
    ]);
  });

  it('hides the configured paths at the top and nested, and changes nothing else', () => {
    const { lines, destination } = capture();
    const logger = createJsonLogger({
      level: 'info',
      redactPaths: ['cardToken', 'card.*.pan'],
      destination,
    });
    logger.log('info', 'handled', {
      cardToken: 'tok-1',
      input: { cardToken: 'tok-2', card: [{ pan: '4111' }] },
      orderId: 'o-1',
    });
    const [line] = lines();
    expect(line).toMatchObject({
      cardToken: '[REDACTED]',
      input: { cardToken: '[REDACTED]', card: [{ pan: '[REDACTED]' }] },
      orderId: 'o-1',
    });
    expect(JSON.stringify(line)).not.toMatch(/tok-1|tok-2|4111/);
  });
});
