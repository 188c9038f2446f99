import { Controller, Inject, Optional } from '@nestjs/common';
import { Ctx, Payload } from '@nestjs/microservices';
import { z } from 'zod';
import type { CommandMessage, JsonValue } from '#contracts';
import { BusinessRefusal, type HandlerContext, parsePayload, SagaCommand } from '#saga-participant';
import { type BusinessRecords, memoryRecordStore } from './business-records.js';
import { EffectLedger } from './effect-ledger.js';
import type { GatewayRequest, PaymentGateway } from './payment-gateway.js';
import { originOf, type SampleService, type SampleServiceOptions } from './sample-service.js';

/** The payment participant's name. */
export const PAYMENT = 'payment';

/** The injection token of PaymentHandlers' options. */
export const PAYMENT_OPTIONS = Symbol('PaymentOptions');

/** Options of the payment participant. */
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
 * The payment participant. `payment.authorize` declines amounts above a limit
 * (`PAYMENT_DECLINED`); `payment.void` releases an authorization (and succeeds when there is
 * none); `payment.capture` takes the money of an authorization; `payment.refund` gives it back.
 * Each one that acts asks the gateway first; when the gateway cannot be reached the command
 * answers a retryable `error` GATEWAY_UNAVAILABLE and changes nothing. Authorizations and
 * captures are kept in `options.records` (default in memory).
 */
@Controller()
export class PaymentHandlers implements SampleService {
  readonly participant = PAYMENT;
  readonly ledger: EffectLedger;
  private readonly declineAbove: number;
  private readonly gateway: PaymentGateway | undefined;
  private readonly authorizations: BusinessRecords<Authorization>;
  /** Capture id → authorization id. */
  private readonly captures: BusinessRecords<string>;

  constructor(@Optional() @Inject(PAYMENT_OPTIONS) options: PaymentOptions = {}) {
    const recordStore = options.records ?? memoryRecordStore();
    this.declineAbove = options.declineAbove ?? 10_000;
    this.gateway = options.gateway;
    this.authorizations = recordStore.records('authorization');
    this.captures = recordStore.records('capture');
    this.ledger = new EffectLedger(options.now);
  }

  /** The status of an authorization (as last committed), or undefined when there is none by that id. */
  async authorizationStatus(authorizationId: string): Promise<AuthorizationStatus | undefined> {
    return (await this.authorizations.find(authorizationId))?.status;
  }

  /** Authorizes the order's amount, unless it is above the limit. */
  @SagaCommand('payment.authorize', { participant: PAYMENT })
  authorize(
    @Payload() command: CommandMessage,
    @Ctx() context: HandlerContext,
  ): Promise<JsonValue> {
    const { amount, currency } = parsePayload(authorizePayload, command.payload);
    if (amount > this.declineAbove) {
      throw new BusinessRefusal('PAYMENT_DECLINED', 'the card issuer declined the payment');
    }
    const request = {
      operation: 'authorize',
      idempotencyKey: command.idempotencyKey,
      amount,
      currency,
    } as const;
    return this.viaGateway(request, async () => {
      const authorizationId = `auth:${originOf(command)}`;
      await this.storeAuthorization(context, authorizationId, {
        amount,
        currency,
        status: 'authorized',
      });
      return this.ledger.applied(command, context, { authorizationId });
    });
  }

  /** Releases the authorization (found by its step when its id was lost); succeeds when there is none. */
  @SagaCommand('payment.void', { participant: PAYMENT })
  async voidAuthorization(
    @Payload() command: CommandMessage,
    @Ctx() context: HandlerContext,
  ): Promise<JsonValue> {
    const payload = parsePayload(voidPayload, command.payload);
    const authorizationId = payload.authorizationId ?? `auth:${originOf(command)}`;
    const authorization = await this.lockAuthorization(context, authorizationId);
    if (authorization?.status === 'captured') {
      throw new BusinessRefusal('ALREADY_CAPTURED', 'a captured payment is refunded, not voided');
    }
    if (authorization?.status !== 'authorized') return { authorizationId, voided: false };
    return this.viaGateway(
      { operation: 'void', idempotencyKey: command.idempotencyKey },
      async () => {
        await this.storeAuthorization(context, authorizationId, {
          ...authorization,
          status: 'voided',
        });
        return this.ledger.applied(command, context, { authorizationId, voided: true });
      },
    );
  }

  /** Takes the money of an authorization, up to its amount. */
  @SagaCommand('payment.capture', { participant: PAYMENT })
  async capture(
    @Payload() command: CommandMessage,
    @Ctx() context: HandlerContext,
  ): Promise<JsonValue> {
    const payload = parsePayload(capturePayload, command.payload);
    const authorizationId = payload.authorizationId ?? '';
    const authorization = await this.lockAuthorization(context, authorizationId);
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
    return this.viaGateway(request, async () => {
      const captureId = `cap:${originOf(command)}`;
      await this.storeAuthorization(context, authorizationId, {
        ...authorization,
        status: 'captured',
        captureId,
      });
      await this.captures.change(context, [captureId], () => ({
        store: new Map([[captureId, authorizationId]]),
        result: undefined,
      }));
      return this.ledger.applied(command, context, { captureId });
    });
  }

  /** Gives the money of a capture back; succeeds when there is nothing captured. */
  @SagaCommand('payment.refund', { participant: PAYMENT })
  async refund(
    @Payload() command: CommandMessage,
    @Ctx() context: HandlerContext,
  ): Promise<JsonValue> {
    const { captureId } = parsePayload(refundPayload, command.payload);
    const capturedBy = await this.captures.change(context, [captureId], (current) => ({
      result: current.get(captureId),
    }));
    const authorization =
      capturedBy === undefined ? undefined : await this.lockAuthorization(context, capturedBy);
    if (capturedBy === undefined || authorization?.status !== 'captured') {
      return { captureId, refunded: false };
    }
    return this.viaGateway(
      { operation: 'refund', idempotencyKey: command.idempotencyKey },
      async () => {
        await this.storeAuthorization(context, capturedBy, {
          ...authorization,
          status: 'refunded',
        });
        return this.ledger.applied(command, context, { captureId, refunded: true });
      },
    );
  }

  /** Asks the gateway, then acts; at once without a gateway. Nothing changes when the gateway rejects. */
  private async viaGateway<T>(request: GatewayRequest, act: () => Promise<T>): Promise<T> {
    if (this.gateway !== undefined) await this.gateway.call(request);
    return act();
  }

  /** The authorization `id`, locked until the handler's transaction ends. */
  private lockAuthorization(context: HandlerContext, id: string) {
    return this.authorizations.change(context, [id], (current) => ({ result: current.get(id) }));
  }

  private storeAuthorization(context: HandlerContext, id: string, value: Authorization) {
    return this.authorizations.change(context, [id], () => ({
      store: new Map([[id, value]]),
      result: value,
    }));
  }
}
