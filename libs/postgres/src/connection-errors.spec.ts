import { QueryRunnerAlreadyReleasedError } from 'typeorm';
import {
  DatabaseTimeoutError,
  isConnectionLoss,
  isDatabaseUnavailable,
  isQueryReadTimeout,
} from './connection-errors.js';

const withCode = (message: string, code: string) => Object.assign(new Error(message), { code });
/** What TypeORM throws: its own error, the driver's under `driverError`. */
const fromTypeorm = (driverError: Error) =>
  Object.assign(new Error(driverError.message), { name: 'QueryFailedError', driverError });

describe('the connection errors', () => {
  it('counts a terminated backend, a reset socket and a closed connection as a loss', () => {
    for (const error of [
      withCode('terminating connection due to administrator command', '57P01'),
      withCode('connection failure', '08006'),
      withCode('read ECONNRESET', 'ECONNRESET'),
      new Error('Connection terminated unexpectedly'),
      new Error('Client has encountered a connection error and is not queryable'),
      // TypeORM's QueryRunnerAlreadyReleasedError, when the connection failed under initialize().
      new QueryRunnerAlreadyReleasedError(),
      fromTypeorm(withCode('terminating connection due to administrator command', '57P01')),
    ]) {
      expect(isConnectionLoss(error)).toBe(true);
      expect(isDatabaseUnavailable(error)).toBe(true);
    }
  });

  it('counts a host name that does not resolve, or a network that cannot be reached, as a loss (nothing was sent)', () => {
    for (const [message, code] of [
      ['getaddrinfo EAI_AGAIN db', 'EAI_AGAIN'],
      ['getaddrinfo ENOTFOUND db', 'ENOTFOUND'],
      ['connect ENETUNREACH 10.0.0.5:5432', 'ENETUNREACH'],
      ['connect ENETDOWN 10.0.0.5:5432', 'ENETDOWN'],
      ['connect EHOSTDOWN 10.0.0.5:5432', 'EHOSTDOWN'],
      ['read ECONNABORTED', 'ECONNABORTED'],
    ] as const) {
      const error = Object.assign(withCode(message, code), { syscall: 'getaddrinfo' });
      expect(isConnectionLoss(error)).toBe(true);
      expect(isDatabaseUnavailable(fromTypeorm(error))).toBe(true);
    }
  });

  it('counts timeouts as unavailable, not as a loss to retry at once', () => {
    for (const error of [
      new DatabaseTimeoutError('the database did not answer within 35000 ms'),
      new Error('timeout exceeded when trying to connect'),
      new Error('Connection terminated due to connection timeout'),
      withCode('canceling statement due to statement timeout', '57014'),
      withCode('canceling statement due to lock timeout', '55P03'),
    ]) {
      expect(isConnectionLoss(error)).toBe(false);
      expect(isDatabaseUnavailable(error)).toBe(true);
    }
  });

  it('counts a server that refuses writes (a standby after a failover) as a loss: another connection may reach the writer', () => {
    const standby = withCode('cannot execute INSERT in a read-only transaction', '25006');
    expect(isConnectionLoss(standby)).toBe(true);
    expect(isDatabaseUnavailable(standby)).toBe(true);
  });

  it('counts a server short of connections, memory or disk as unavailable, not as a loss', () => {
    for (const error of [
      withCode('sorry, too many clients already', '53300'),
      withCode('could not extend file: No space left on device', '53100'),
      withCode('out of memory', '53200'),
    ]) {
      expect(isConnectionLoss(error)).toBe(false);
      expect(isDatabaseUnavailable(error)).toBe(true);
    }
  });

  it('leaves data errors, lost races and anything else alone', () => {
    for (const error of [
      withCode('unsupported Unicode escape sequence', '22P05'),
      withCode('could not serialize access', '40001'),
      new Error('something else'),
      'a string',
      undefined,
    ]) {
      expect(isConnectionLoss(error)).toBe(false);
      expect(isDatabaseUnavailable(error)).toBe(false);
    }
  });

  it("recognises node-postgres's query read timeout under a wrapper", () => {
    const timeout = new Error('Query read timeout');
    expect(isQueryReadTimeout(timeout)).toBe(true);
    expect(isQueryReadTimeout(new Error('wrapped', { cause: timeout }))).toBe(true);
    expect(isQueryReadTimeout(new Error('Query failed'))).toBe(false);
  });
});
