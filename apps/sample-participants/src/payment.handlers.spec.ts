import { call } from './command.fixture.js';
import { GATEWAY_UNAVAILABLE, guardGateway, type GatewayRequest } from './payment-gateway.js';
import { PaymentHandlers } from './payment.handlers.js';

const AUTHORIZATION_ID = 'auth:saga-1:authorize-payment';
const authorize = (amount: number) => ({
  orderId: 'o-1',
  customerId: 'c-1',
  amount,
  currency: 'EUR',
});
const authorizeStep = { stepId: 'authorize-payment' } as const;
const voidStep = { stepId: 'authorize-payment', action: 'compensate' } as const;
const captureStep = { stepId: 'capture-payment' } as const;
const capture = (amount = 42, authorizationId: string | null = AUTHORIZATION_ID) => ({
  orderId: 'o-1',
  authorizationId,
  amount,
  currency: 'EUR',
});

/** A payment service holding one authorization of 42 EUR. */
async function authorized() {
  const payment = new PaymentHandlers();
  await call(payment, 'payment.authorize', authorize(42), authorizeStep);
  return payment;
}

describe('the payment service', () => {
  it('authorizes an amount up to the limit', async () => {
    const payment = new PaymentHandlers({ declineAbove: 100 });

    const result = await call(payment, 'payment.authorize', authorize(100), authorizeStep);

    expect(result).toEqual({ authorizationId: AUTHORIZATION_ID });
    expect(await payment.authorizationStatus(AUTHORIZATION_ID)).toBe('authorized');
    expect(payment.ledger.entries.map((e) => e.commandType)).toEqual(['payment.authorize']);
  });

  it('declines an amount above the limit with PAYMENT_DECLINED', async () => {
    const payment = new PaymentHandlers();

    await expect(
      call(payment, 'payment.authorize', authorize(10_000.01), authorizeStep),
    ).rejects.toMatchObject({ code: 'PAYMENT_DECLINED' });
    expect(payment.ledger.entries).toEqual([]);
  });

  it('voids an authorization, found by its step when its id was lost', async () => {
    const payment = await authorized();

    const voided = await call(
      payment,
      'payment.void',
      { orderId: 'o-1', authorizationId: null },
      { ...voidStep, outcomeUnknown: true },
    );

    expect(voided).toMatchObject({ voided: true });
    expect(await payment.authorizationStatus(AUTHORIZATION_ID)).toBe('voided');
  });

  it('succeeds in voiding an authorization that never happened, and changes nothing', async () => {
    const payment = new PaymentHandlers();

    const voided = await call(
      payment,
      'payment.void',
      { orderId: 'o-1', authorizationId: null },
      { ...voidStep, outcomeUnknown: true },
    );

    expect(voided).toMatchObject({ voided: false });
    expect(payment.ledger.entries).toEqual([]);
  });

  it('captures an authorization', async () => {
    const payment = await authorized();

    const result = await call(payment, 'payment.capture', capture(), captureStep);

    expect(result).toEqual({ captureId: 'cap:saga-1:capture-payment' });
    expect(await payment.authorizationStatus(AUTHORIZATION_ID)).toBe('captured');
  });

  it('refuses to capture without an authorization, after a void, or more than authorized', async () => {
    const payment = await authorized();

    await expect(
      call(payment, 'payment.capture', capture(42, null), captureStep),
    ).rejects.toMatchObject({ code: 'AUTHORIZATION_NOT_FOUND' });
    await expect(call(payment, 'payment.capture', capture(43), captureStep)).rejects.toMatchObject({
      code: 'CAPTURE_EXCEEDS_AUTHORIZATION',
    });
    await call(
      payment,
      'payment.void',
      { orderId: 'o-1', authorizationId: AUTHORIZATION_ID },
      voidStep,
    );
    await expect(call(payment, 'payment.capture', capture(), captureStep)).rejects.toMatchObject({
      code: 'AUTHORIZATION_VOIDED',
    });
  });

  it('refuses to void a captured payment', async () => {
    const payment = await authorized();
    await call(payment, 'payment.capture', capture(), captureStep);

    await expect(
      call(
        payment,
        'payment.void',
        { orderId: 'o-1', authorizationId: AUTHORIZATION_ID },
        voidStep,
      ),
    ).rejects.toMatchObject({ code: 'ALREADY_CAPTURED' });
  });

  it('refunds a capture once', async () => {
    const payment = await authorized();
    await call(payment, 'payment.capture', capture(), captureStep);
    const refund = { orderId: 'o-1', captureId: 'cap:saga-1:capture-payment' };
    const refundStep = { ...captureStep, action: 'compensate' } as const;

    const first = await call(payment, 'payment.refund', refund, refundStep);
    const second = await call(payment, 'payment.refund', refund, { ...refundStep, attempt: 2 });

    expect([first, second]).toMatchObject([{ refunded: true }, { refunded: false }]);
    expect(await payment.authorizationStatus(AUTHORIZATION_ID)).toBe('refunded');
    expect(payment.ledger.entries.map((e) => e.commandType)).toEqual([
      'payment.authorize',
      'payment.capture',
      'payment.refund',
    ]);
  });

  describe('behind its gateway circuit breaker', () => {
    const requests: GatewayRequest[] = [];
    const gateway = guardGateway({
      call: async (request) => {
        requests.push(request);
        return { reference: 'gw-1' };
      },
    });
    afterEach(() => {
      gateway.breaker.close();
      requests.length = 0;
    });
    afterAll(() => gateway.breaker.shutdown());

    it('calls the gateway under the command idempotency key for each operation that acts', async () => {
      const payment = new PaymentHandlers({ gateway });
      await call(payment, 'payment.authorize', authorize(42), authorizeStep);
      await call(payment, 'payment.capture', capture(), captureStep);
      await call(
        payment,
        'payment.refund',
        { orderId: 'o-1', captureId: 'cap:saga-1:capture-payment' },
        {
          ...captureStep,
          action: 'compensate',
          idempotencyKey: 'saga-1:capture-payment:compensate',
        },
      );

      expect(requests.map((r) => [r.operation, r.idempotencyKey])).toEqual([
        ['authorize', 'saga-1:authorize-payment'],
        ['capture', 'saga-1:capture-payment'],
        ['refund', 'saga-1:capture-payment:compensate'],
      ]);
    });

    it('answers a retryable GATEWAY_UNAVAILABLE error, never a refusal, and changes nothing while the breaker is open', async () => {
      const payment = new PaymentHandlers({ gateway });
      await call(payment, 'payment.authorize', authorize(42), authorizeStep);
      gateway.breaker.open();

      await expect(call(payment, 'payment.capture', capture(), captureStep)).rejects.toMatchObject({
        name: 'TechnicalError',
        code: GATEWAY_UNAVAILABLE,
        retryable: true,
      });
      await expect(
        call(payment, 'payment.void', { orderId: 'o-1', authorizationId: null }, voidStep),
      ).rejects.toMatchObject({ name: 'TechnicalError', code: GATEWAY_UNAVAILABLE });
      await expect(
        call(payment, 'payment.authorize', authorize(1), { stepId: 'authorize-payment-2' }),
      ).rejects.toMatchObject({ code: GATEWAY_UNAVAILABLE });

      expect(await payment.authorizationStatus(AUTHORIZATION_ID)).toBe('authorized');
      expect(payment.ledger.entries.map((e) => e.commandType)).toEqual(['payment.authorize']);
      gateway.breaker.close();
      await expect(
        call(payment, 'payment.void', { orderId: 'o-1', authorizationId: null }, voidStep),
      ).resolves.toMatchObject({ voided: true });
    });
  });
});
