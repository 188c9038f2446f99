import { z } from 'zod';
import { BusinessRefusal } from '../../../libs/saga-participant/src/index.js';
import { parsePayload } from '../../../libs/saga-participant/src/index.js';
import { EffectLedger } from './effect-ledger.js';
import type { GatewayRequest, PaymentGateway } from './payment-gateway.js';
import { originOf, type SampleService, type SampleServiceOptions } from './sample-service.js';

/** The payment participant's name. */
export const PAYMENT = 'payment';

/** Options of the payment service. */
export interface PaymentOptions extends SampleServiceOptions {
  /** Authorizations above this amount are declined (default 10 000, in the order's currency). */
  readonly declineAbove?: number;
  /**
   * The external gateway every authorize, capture, void and refund that acts calls first, under
   * the command's idempotency key (e.g. guardGateway(simulatedGateway(...)): behind a circuit
   * breaker). Default none: the payment is settled in-house and the handlers answer at once.
   */
  readonly gateway?: PaymentGateway;
}

/** Where one authorization stands. */
export type AuthorizationStatus = 'authorized' | 'voided' | 'captured' | 'refunded';

/** The payment service: authorizes, voids, captures and refunds order payments. */
export interface PaymentService extends SampleService {
  /** The status of an authorization, or undefined when there is none by that id. */
  authorizationStatus(authorizationId: string): AuthorizationStatus | undefined;
}

interface Authorization {
  readonly amount: number;
  readonly currency: string;
  status: AuthorizationStatus;
  captureId?: string;
}

const money = { amount: z.number().positive(), currency: z.string().regex(/^[A-Z]{3}$/) };
const authorizePayload = z.object({
  orderId: z.string().min(1),
  customerId: z.string(),
  ...money,
  /** The card to charge, when the order names one (a sensitive value: never logged). */
  cardToken: z.string().min(1).max(200).optional(),
});
const voidPayload = z.object({
  orderId: z.string().min(1),
  authorizationId: z.string().min(1).nullable(),
});
const capturePayload = z.object({
  orderId: z.string().min(1),
  authorizationId: z.string().min(1).nullable(),
  ...money,
});
const refundPayload = z.object({ orderId: z.string().min(1), captureId: z.string().min(1) });

/**
 * Creates the payment service. `payment.authorize` declines amounts above a limit
 * (`PAYMENT_DECLINED`); `payment.void` releases an authorization (and succeeds when there is
 * none); `payment.capture` takes the money of an authorization; `payment.refund` gives it back.
 * Each one that acts asks the gateway first; when the gateway cannot be reached the command
 * answers a retryable `error` GATEWAY_UNAVAILABLE and changes nothing.
 */
export function createPaymentService(options: PaymentOptions = {}): PaymentService {
  const declineAbove = options.declineAbove ?? 10_000;
  const authorizations = new Map<string, Authorization>();
  const captures = new Map<string, string>(); // capture id → authorization id
  const ledger = new EffectLedger(options.now);
  const { gateway } = options;
  /** Asks the gateway, then acts; at once without a gateway. Nothing changes when the gateway rejects. */
  const viaGateway = <T>(request: GatewayRequest, act: () => T | Promise<T>): T | Promise<T> =>
    gateway === undefined ? act() : gateway.call(request).then(act);

  return {
    participant: PAYMENT,
    ledger,
    authorizationStatus: (id) => authorizations.get(id)?.status,
    handlers: {
      'payment.authorize': (command, context) => {
        const { amount, currency } = parsePayload(authorizePayload, command.payload);
        if (amount > declineAbove) {
          throw new BusinessRefusal('PAYMENT_DECLINED', 'the card issuer declined the payment');
        }
        const request = {
          operation: 'authorize',
          idempotencyKey: command.idempotencyKey,
          amount,
          currency,
        } as const;
        return viaGateway(request, () => {
          const authorizationId = `auth:${originOf(command)}`;
          authorizations.set(authorizationId, { amount, currency, status: 'authorized' });
          context.onRollback(() => authorizations.delete(authorizationId));
          return ledger.applied(command, context, { authorizationId });
        });
      },
      'payment.void': (command, context) => {
        const payload = parsePayload(voidPayload, command.payload);
        const authorizationId = payload.authorizationId ?? `auth:${originOf(command)}`;
        const authorization = authorizations.get(authorizationId);
        if (authorization?.status === 'captured') {
          throw new BusinessRefusal(
            'ALREADY_CAPTURED',
            'a captured payment is refunded, not voided',
          );
        }
        if (authorization?.status !== 'authorized') return { authorizationId, voided: false };
        return viaGateway({ operation: 'void', idempotencyKey: command.idempotencyKey }, () => {
          authorization.status = 'voided';
          context.onRollback(() => (authorization.status = 'authorized'));
          return ledger.applied(command, context, { authorizationId, voided: true });
        });
      },
      'payment.capture': (command, context) => {
        const payload = parsePayload(capturePayload, command.payload);
        const authorizationId = payload.authorizationId ?? '';
        const authorization = authorizations.get(authorizationId);
        if (authorization === undefined) {
          throw new BusinessRefusal('AUTHORIZATION_NOT_FOUND', 'no such authorization to capture');
        }
        if (authorization.captureId !== undefined) return { captureId: authorization.captureId };
        if (authorization.status !== 'authorized') {
          throw new BusinessRefusal(
            'AUTHORIZATION_VOIDED',
            `the authorization is ${authorization.status}`,
          );
        }
        if (payload.currency !== authorization.currency || payload.amount > authorization.amount) {
          throw new BusinessRefusal('CAPTURE_EXCEEDS_AUTHORIZATION', 'more than was authorized');
        }
        const request = {
          operation: 'capture',
          idempotencyKey: command.idempotencyKey,
          amount: payload.amount,
          currency: payload.currency,
        } as const;
        return viaGateway(request, () => {
          const captureId = `cap:${originOf(command)}`;
          authorization.status = 'captured';
          authorization.captureId = captureId;
          captures.set(captureId, authorizationId);
          context.onRollback(() => {
            authorization.status = 'authorized';
            delete authorization.captureId;
            captures.delete(captureId);
          });
          return ledger.applied(command, context, { captureId });
        });
      },
      'payment.refund': (command, context) => {
        const { captureId } = parsePayload(refundPayload, command.payload);
        const authorization = authorizations.get(captures.get(captureId) ?? '');
        if (authorization?.status !== 'captured') return { captureId, refunded: false };
        return viaGateway({ operation: 'refund', idempotencyKey: command.idempotencyKey }, () => {
          authorization.status = 'refunded';
          context.onRollback(() => (authorization.status = 'captured'));
          return ledger.applied(command, context, { captureId, refunded: true });
        });
      },
    },
  };
}
