import { jest } from '@jest/globals';
import { TechnicalError } from '#saga-participant';
import { seededRandom } from './faults/seeded-random.js';
import {
  DEFAULT_GATEWAY_CONFIG,
  GATEWAY_UNAVAILABLE,
  gatewayConfigSchema,
  guardGateway,
  simulatedGateway,
  type GatewayRequest,
  type GuardedGateway,
  type PaymentGateway,
} from './payment-gateway.js';

const authorize: GatewayRequest = {
  operation: 'authorize',
  idempotencyKey: 'saga-1:authorize-payment',
  amount: 42,
  currency: 'EUR',
};
const breakerConfig = {
  ...DEFAULT_GATEWAY_CONFIG.breaker,
  timeoutMs: 0,
  volumeThreshold: 2,
  errorThresholdPercentage: 50,
};

/** A gateway counting its calls, failing while `down` is true. */
function scriptedGateway() {
  const state = { calls: 0, down: false };
  const gateway: PaymentGateway = {
    call: async (request) => {
      state.calls++;
      if (state.down) throw new Error('connect ECONNREFUSED gateway.example:443');
      return { reference: `gw:${request.idempotencyKey}` };
    },
  };
  return { gateway, state };
}

const guarded: GuardedGateway[] = [];
function guard(gateway: PaymentGateway, config = breakerConfig): GuardedGateway {
  const result = guardGateway(gateway, config);
  guarded.push(result);
  return result;
}
afterEach(() => {
  for (const gateway of guarded.splice(0)) gateway.breaker.shutdown();
  jest.useRealTimers();
});

describe('the simulated payment gateway', () => {
  it('acts once per idempotency key and answers the same reference', async () => {
    const gateway = simulatedGateway({ latencyMs: 0, failureRate: 0 });

    const first = await gateway.call(authorize);
    const again = await gateway.call(authorize);

    expect(again).toEqual(first);
    expect(gateway.acted()).toBe(1);
  });

  it('fails and waits as drawn, the same way for the same seed', async () => {
    const run = async () => {
      const slept: number[] = [];
      const gateway = simulatedGateway(
        { latencyMs: 100, failureRate: 0.3 },
        { random: seededRandom(5), sleep: async (ms) => void slept.push(ms) },
      );
      const outcomes: string[] = [];
      for (let i = 0; i < 40; i++) {
        outcomes.push(
          await gateway.call({ ...authorize, idempotencyKey: `k${i}` }).then(
            () => 'ok',
            (error: Error) => error.name,
          ),
        );
      }
      return { outcomes, slept };
    };

    const first = await run();

    expect(await run()).toEqual(first);
    expect(first.outcomes.filter((o) => o === 'GatewayFailure').length).toBeGreaterThan(3);
    expect(first.outcomes.filter((o) => o === 'ok').length).toBeGreaterThan(20);
    expect(first.slept.every((ms) => ms >= 0 && ms < 100)).toBe(true);
  });

  it('reads its configuration with defaults and refuses unknown fields, naming them', () => {
    expect(gatewayConfigSchema.parse({ failureRate: 0.1 })).toMatchObject({
      latencyMs: 0,
      failureRate: 0.1,
      breaker: { timeoutMs: 2_000, errorThresholdPercentage: 50, volumeThreshold: 10 },
    });
    expect(() => gatewayConfigSchema.parse({ breaker: { reset: 1 } })).toThrow(/reset/);
  });
});

describe('the payment gateway behind its circuit breaker', () => {
  it('passes calls through while the gateway answers', async () => {
    const { gateway, state } = scriptedGateway();

    await expect(guard(gateway).call(authorize)).resolves.toEqual({
      reference: 'gw:saga-1:authorize-payment',
    });
    expect(state.calls).toBe(1);
  });

  it('turns a gateway failure into a retryable GATEWAY_UNAVAILABLE error without its text', async () => {
    const { gateway, state } = scriptedGateway();
    state.down = true;

    const error: unknown = await guard(gateway)
      .call(authorize)
      .catch((e: unknown) => e);

    expect(error).toBeInstanceOf(TechnicalError);
    expect(error).toMatchObject({ code: GATEWAY_UNAVAILABLE, retryable: true });
    expect((error as Error).message).toBe(
      'payment gateway unavailable for authorize: the gateway failed',
    );
  });

  it('answers GATEWAY_UNAVAILABLE without calling the gateway while the breaker is open', async () => {
    const { gateway, state } = scriptedGateway();
    const guardedGateway = guard(gateway);
    guardedGateway.breaker.open();

    await expect(guardedGateway.call(authorize)).rejects.toMatchObject({
      code: GATEWAY_UNAVAILABLE,
      retryable: true,
      message: 'payment gateway unavailable for authorize: the circuit breaker is open',
    });
    expect(state.calls).toBe(0);
  });

  it('opens after enough failures in the window, then stops calling the gateway', async () => {
    const { gateway, state } = scriptedGateway();
    const guardedGateway = guard(gateway);
    state.down = true;

    for (let i = 0; i < 2; i++) await guardedGateway.call(authorize).catch(() => undefined);

    expect(guardedGateway.breaker.opened).toBe(true);
    state.down = false;
    await expect(guardedGateway.call(authorize)).rejects.toMatchObject({
      message: expect.stringContaining('the circuit breaker is open') as unknown,
    });
    expect(state.calls).toBe(2);
  });

  it('counts a call slower than the timeout as a failure', async () => {
    jest.useFakeTimers();
    const slow: PaymentGateway = { call: () => new Promise(() => undefined) };
    const guardedGateway = guard(slow, { ...breakerConfig, timeoutMs: 2_000 });

    const call = guardedGateway.call(authorize).catch((error: unknown) => error);
    jest.advanceTimersByTime(2_000);

    expect(await call).toMatchObject({
      code: GATEWAY_UNAVAILABLE,
      message: 'payment gateway unavailable for authorize: the gateway timed out',
    });
  });

  it('lets a trial call through after the reset timeout and closes when it succeeds', async () => {
    jest.useFakeTimers();
    const { gateway, state } = scriptedGateway();
    const guardedGateway = guard(gateway, { ...breakerConfig, resetTimeoutMs: 5_000 });
    guardedGateway.breaker.open();

    jest.advanceTimersByTime(4_999);
    await expect(guardedGateway.call(authorize)).rejects.toMatchObject({
      code: GATEWAY_UNAVAILABLE,
    });
    jest.advanceTimersByTime(1);
    expect(guardedGateway.breaker.halfOpen).toBe(true);
    await guardedGateway.call(authorize);

    expect(guardedGateway.breaker.closed).toBe(true);
    expect(state.calls).toBe(1);
  });
});
