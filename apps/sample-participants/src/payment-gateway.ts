// The payment service's external gateway (simulated) and the circuit breaker around it.
import CircuitBreaker from 'opossum';
import { z } from 'zod';
import { simulatedCall, type SimulationOptions } from './simulated-provider.js';
import { TechnicalError } from '#saga-participant';
import { breakerConfigSchema, DEFAULT_BREAKER_CONFIG, opossumOptions } from './breaker-config.js';

/** The code of the retryable error a payment command answers when the gateway cannot be reached. */
export const GATEWAY_UNAVAILABLE = 'GATEWAY_UNAVAILABLE';

/** The operations of the gateway. */
export type GatewayOperation = 'authorize' | 'capture' | 'void' | 'refund';

/** One call to the gateway. The gateway acts once per `idempotencyKey`, as real ones do. */
export interface GatewayRequest {
  readonly operation: GatewayOperation;
  /** The command's idempotency key: a retry after a crash must not move money twice. */
  readonly idempotencyKey: string;
  readonly amount?: number;
  readonly currency?: string;
}

/** What the gateway answers. */
export interface GatewayReceipt {
  /** The gateway's reference of the operation; the same for every call with one key. */
  readonly reference: string;
}

/** A payment gateway: rejects when it cannot be reached or fails. */
export interface PaymentGateway {
  call(request: GatewayRequest): Promise<GatewayReceipt>;
}

/** Thrown by the simulated gateway for a failure it was told to simulate. */
export class GatewayFailure extends Error {
  override readonly name = 'GatewayFailure';
}

/** The simulated gateway and its breaker (the `PAYMENT_GATEWAY` variable, JSON). */
export const gatewayConfigSchema = z.strictObject({
  /** Up to this many milliseconds per call (uniformly drawn). */
  latencyMs: z.int().min(0).max(60_000).default(0),
  /** The chance (0..1) that a call fails. */
  failureRate: z.number().min(0).max(1).default(0),
  breaker: breakerConfigSchema.default(DEFAULT_BREAKER_CONFIG),
});

/** The gateway's configuration, defaults filled in. */
export type GatewayConfig = z.infer<typeof gatewayConfigSchema>;

/** The breaker's options, defaults filled in. */
export type GatewayBreakerConfig = GatewayConfig['breaker'];

/** A gateway that is always there, at once. */
export const DEFAULT_GATEWAY_CONFIG: GatewayConfig = gatewayConfigSchema.parse({});

/** The simulated gateway, with what it did. */
export interface SimulatedGateway extends PaymentGateway {
  /** Calls that acted (a repeated key is not counted again). */
  readonly acted: () => number;
  /** Calls that failed as simulated. */
  readonly failed: () => number;
}

/**
 * A simulated external gateway: each call waits a drawn share of `latencyMs`, then fails with
 * probability `failureRate` (a GatewayFailure), else acts once per idempotency key and answers
 * the same reference for every call with that key. Deterministic for a seeded `random`.
 */
export function simulatedGateway(
  config: Pick<GatewayConfig, 'latencyMs' | 'failureRate'>,
  options: SimulationOptions = {},
): SimulatedGateway {
  const call = simulatedCall(config, options);
  const done = new Set<string>();
  let failed = 0;
  return {
    acted: () => done.size,
    failed: () => failed,
    async call(request) {
      if (await call()) {
        failed++;
        throw new GatewayFailure(`the gateway failed to ${request.operation}`);
      }
      const key = `${request.operation}:${request.idempotencyKey}`;
      done.add(key);
      return { reference: `gw:${key}` };
    },
  };
}

/** A gateway behind a circuit breaker, and the breaker (to look at or to trip in tests). */
export interface GuardedGateway extends PaymentGateway {
  readonly breaker: CircuitBreaker<[GatewayRequest], GatewayReceipt>;
}

/**
 * Puts `gateway` behind an opossum circuit breaker: every call goes through `breaker.fire`.
 * Whatever keeps the gateway from acting (a failure, a timeout, the breaker open or half-open
 * and busy) rejects with a retryable TechnicalError coded GATEWAY_UNAVAILABLE, so the reply is
 * a technical `error` the coordinator retries with its backoff, never a business `failure`:
 * the card was not declined, the gateway was not asked.
 *
 * There is deliberately no fallback answering in the gateway's place, not even for void and
 * refund ("queued, pending"): replying success would tell the coordinator the money is released
 * while nothing durable holds that promise. The coordinator's retry is the durable queue.
 */
export function guardGateway(
  gateway: PaymentGateway,
  config: GatewayBreakerConfig = DEFAULT_GATEWAY_CONFIG.breaker,
): GuardedGateway {
  const breaker = new CircuitBreaker(
    (request: GatewayRequest) => gateway.call(request),
    opossumOptions('payment-gateway', config),
  );
  return {
    breaker,
    async call(request) {
      try {
        return await breaker.fire(request);
      } catch (error) {
        throw new TechnicalError(GATEWAY_UNAVAILABLE, unavailable(request, error));
      }
    },
  };
}

/** Says why the gateway was not reached, without echoing what it threw (it may hold secrets). */
function unavailable(request: GatewayRequest, error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  const why =
    code === 'EOPENBREAKER'
      ? 'the circuit breaker is open'
      : code === 'ETIMEDOUT'
        ? 'the gateway timed out'
        : code === 'ESEMLOCKED'
          ? 'too many calls in flight'
          : 'the gateway failed';
  return `payment gateway unavailable for ${request.operation}: ${why}`;
}
