import { z } from 'zod';
import { BusinessRefusal, type HandlerContext, parsePayload } from '#saga-participant';
import { memoryRecordStore } from './business-records.js';
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
  /** The status of an authorization (as last committed), or undefined when there is none by that id. */
  authorizationStatus(authorizationId: string): Promise<AuthorizationStatus | undefined>;
}

/** One authorization, as a business record. */
type Authorization = {
  readonly amount: number;
  readonly currency: string;
  readonly status: AuthorizationStatus;
  readonly captureId?: string;
};

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
 * answers a retryable `error` GATEWAY_UNAVAILABLE and changes nothing. Authorizations and
 * captures are kept in `options.records` (default in memory).
 */
export function createPaymentService(options: PaymentOptions = {}): PaymentService {
  const declineAbove = options.declineAbove ?? 10_000;
  const recordStore = options.records ?? memoryRecordStore();
  const authorizations = recordStore.records<Authorization>('authorization');
  const captures = recordStore.records<string>('capture'); // capture id → authorization id
  const ledger = new EffectLedger(options.now);
  const { gateway } = options;
  /** Asks the gateway, then acts; at once without a gateway. Nothing changes when the gateway rejects. */
  const viaGateway = async <T>(request: GatewayRequest, act: () => Promise<T>): Promise<T> => {
    if (gateway !== undefined) await gateway.call(request);
    return act();
  };
  /** The authorization `id`, locked until the handler's transaction ends. */
  const lockAuthorization = (context: HandlerContext, id: string) =>
    authorizations.change(context, [id], (current) => ({ result: current.get(id) }));
  const storeAuthorization = (context: HandlerContext, id: string, value: Authorization) =>
    authorizations.change(context, [id], () => ({ store: new Map([[id, value]]), result: value }));

  return {
    participant: PAYMENT,
    ledger,
    authorizationStatus: async (id) => (await authorizations.find(id))?.status,
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
        return viaGateway(request, async () => {
          const authorizationId = `auth:${originOf(command)}`;
          await storeAuthorization(context, authorizationId, {
            amount,
            currency,
            status: 'authorized',
          });
          return ledger.applied(command, context, { authorizationId });
        });
      },
      'payment.void': async (command, context) => {
        const payload = parsePayload(voidPayload, command.payload);
        const authorizationId = payload.authorizationId ?? `auth:${originOf(command)}`;
        const authorization = await lockAuthorization(context, authorizationId);
        if (authorization?.status === 'captured') {
          throw new BusinessRefusal(
            'ALREADY_CAPTURED',
            'a captured payment is refunded, not voided',
          );
        }
        if (authorization?.status !== 'authorized') return { authorizationId, voided: false };
        return viaGateway(
          { operation: 'void', idempotencyKey: command.idempotencyKey },
          async () => {
            await storeAuthorization(context, authorizationId, {
              ...authorization,
              status: 'voided',
            });
            return ledger.applied(command, context, { authorizationId, voided: true });
          },
        );
      },
      'payment.capture': async (command, context) => {
        const payload = parsePayload(capturePayload, command.payload);
        const authorizationId = payload.authorizationId ?? '';
        const authorization = await lockAuthorization(context, authorizationId);
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
        return viaGateway(request, async () => {
          const captureId = `cap:${originOf(command)}`;
          await storeAuthorization(context, authorizationId, {
            ...authorization,
            status: 'captured',
            captureId,
          });
          await captures.change(context, [captureId], () => ({
            store: new Map([[captureId, authorizationId]]),
            result: undefined,
          }));
          return ledger.applied(command, context, { captureId });
        });
      },
      'payment.refund': async (command, context) => {
        const { captureId } = parsePayload(refundPayload, command.payload);
        const capturedBy = await captures.change(context, [captureId], (current) => ({
          result: current.get(captureId),
        }));
        const authorization =
          capturedBy === undefined ? undefined : await lockAuthorization(context, capturedBy);
        if (capturedBy === undefined || authorization?.status !== 'captured') {
          return { captureId, refunded: false };
        }
        return viaGateway(
          { operation: 'refund', idempotencyKey: command.idempotencyKey },
          async () => {
            await storeAuthorization(context, capturedBy, { ...authorization, status: 'refunded' });
            return ledger.applied(command, context, { captureId, refunded: true });
          },
        );
      },
    },
  };
}
