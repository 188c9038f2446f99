import { jest } from '@jest/globals';
import {
  HttpStatus,
  Logger,
  ServiceUnavailableException,
  type ArgumentsHost,
} from '@nestjs/common';
import { DatabaseTimeoutError } from '#postgres';
import { ProblemFilter } from './problem.filter.js';

/** What the filter answered: status, headers and body. */
function answerTo(error: unknown) {
  const headers = new Map<string, string>();
  const answer = { status: 0, headers, body: undefined as unknown };
  const response = {
    headersSent: false,
    setHeader: (name: string, value: string) => headers.set(name, value),
    status(code: number) {
      answer.status = code;
      return response;
    },
    json(body: unknown) {
      answer.body = body;
    },
  };
  const host = {
    switchToHttp: () => ({ getResponse: () => response }),
  } as unknown as ArgumentsHost;
  const logged = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
  try {
    new ProblemFilter().catch(error, host);
  } finally {
    logged.mockRestore();
  }
  return answer;
}

describe('ProblemFilter', () => {
  it('asks a client to come back in 1 to 3 s with every 503', () => {
    for (const error of [
      new DatabaseTimeoutError('the database did not answer within 35000 ms'),
      new ServiceUnavailableException('the broker is unreachable: try again'),
    ]) {
      const answer = answerTo(error);
      expect(answer.status).toBe(HttpStatus.SERVICE_UNAVAILABLE);
      expect(answer.headers.get('Retry-After')).toMatch(/^[123]$/);
    }
  });

  it('sets no Retry-After on an answer that a retry cannot change', () => {
    const answer = answerTo(new Error('a bug'));
    expect(answer.status).toBe(HttpStatus.INTERNAL_SERVER_ERROR);
    expect(answer.headers.has('Retry-After')).toBe(false);
  });
});
