import { join } from 'node:path';
import {
  ALREADY_COMPENSATED,
  type CommandMessage,
  type ReplyMessage,
  type ReplyOutcome,
} from '#contracts';
import { compileDefinition, definitionFile, definitionsFolder } from '#definitions';
import type { AnySagaDefinition, MessagePublisher } from '#saga-core';
import { contactCommand } from './probe-commands.js';
import { ProbeSession } from './probe-session.js';
import { SAMPLE_INPUTS } from './sample-inputs.js';
import { checkStep } from './step-checks.js';
import { planProbes } from './step-probes.js';

/**
 * Reserve (inventory), then ship (shipping), whose payload reads the reservation id; the pivot,
 * or, `compensated`, a step with a compensation (cancelling the shipment).
 */
function shipment(shipPayload: string, compensated = false): AnySagaDefinition {
  const compiled = compileDefinition({
    name: 'shipment',
    version: 1,
    input: {
      type: 'object',
      required: ['orderId'],
      properties: { orderId: { type: 'string' } },
    },
    steps: [
      {
        id: 'reserve',
        participant: 'inventory',
        command: 'inventory.reserve',
        payload: '{"orderId": context.orderId}',
        result: { type: 'object', required: ['reservationId'] },
        onSuccess: { reservationId: 'result.reservationId' },
        compensation: { command: 'inventory.release', payload: '{"orderId": context.orderId}' },
      },
      {
        id: 'ship',
        participant: 'shipping',
        command: 'shipping.schedule',
        ...(compensated
          ? {
              compensation: {
                command: 'shipping.cancel',
                payload: '{"orderId": context.orderId}',
              },
            }
          : { kind: 'pivot' }),
        dependsOn: ['reserve'],
        payload: shipPayload,
        result: { type: 'object', required: ['shipmentId'] },
        onSuccess: { shipmentId: 'result.shipmentId' },
      },
    ],
  });
  if (!compiled.ok) throw new Error(JSON.stringify(compiled.problems));
  return compiled.definition;
}

const READS_RESERVATION = '{"orderId": context.orderId, "reservationId": context.reservationId}';
const GUARDS_RESERVATION =
  '{"orderId": context.orderId, "reservationId": has(context.reservationId) ? context.reservationId : null}';

/**
 * The kit's session against a participant that answers at once with `answer`: commands are
 * built as the real session builds them, and each exchange is recorded.
 */
class FakeSession {
  readonly sent: CommandMessage[] = [];
  private readonly real: ProbeSession;

  constructor(
    private readonly answer: (command: CommandMessage) => ReplyOutcome,
    participant = 'shipping',
  ) {
    const publisher = { publish: () => Promise.resolve() } as unknown as MessagePublisher;
    const commands = `${participant}.commands`;
    this.real = new ProbeSession(publisher, participant, commands, 'conformance.replies', 1_000);
  }

  newSagaId(): string {
    return this.real.newSagaId();
  }

  envelope(spec: Parameters<ProbeSession['envelope']>[0]): CommandMessage {
    return this.real.envelope(spec);
  }

  exchange(command: CommandMessage): Promise<ReplyMessage> {
    this.sent.push(command);
    const { sagaId, stepId, action, attempt } = command;
    return Promise.resolve({
      messageId: `reply:${command.messageId}`,
      sagaId,
      stepId,
      action,
      attempt,
      outcome: this.answer(command),
      repliedAt: new Date().toISOString(),
    });
  }
}

const shipped = (): ReplyOutcome => ({ status: 'success', result: { shipmentId: 's-1' } });

function verdicts(outcomes: Awaited<ReturnType<typeof checkStep>>): [string, string][] {
  return outcomes.map((outcome) => [outcome.rule.id, outcome.verdict]);
}

describe('checkStep of a step whose payload reads another participant’s result', () => {
  it('reports its rules not checked, naming the missing result, when the command cannot be built', async () => {
    const plan = planProbes([shipment(READS_RESERVATION)], 'shipping', {
      shipment: { orderId: 'o-1' },
    });
    const session = new FakeSession(shipped);

    const outcomes = await checkStep(session, plan.probes[0]!);

    expect(session.sent).toEqual([]);
    expect(outcomes.map((outcome) => outcome.verdict)).toEqual(Array(5).fill('skip'));
    expect(outcomes[0]!.detail).toMatch(
      /the command of ship cannot be built .*No such key.*: it needs the result of reserve \(inventory\): give it in --inputs as "shipment": \{ "input": \.\.\., "results": \{ "reserve": \.\.\. \} \}/,
    );
  });

  it('builds the command from the result --inputs gives, and checks every rule', async () => {
    const plan = planProbes([shipment(READS_RESERVATION)], 'shipping', {
      shipment: { input: { orderId: 'o-1' }, results: { reserve: { reservationId: 'r-1' } } },
    });
    const session = new FakeSession(shipped);

    const outcomes = await checkStep(session, plan.probes[0]!);

    expect(session.sent[0]!.payload).toEqual({ orderId: 'o-1', reservationId: 'r-1' });
    expect(verdicts(outcomes)).toEqual([
      ['answers-command', 'pass'],
      ['result-fits-definition', 'pass'],
      ['duplicate-gets-first-outcome', 'pass'],
      ['retry-gets-first-outcome', 'pass'],
      ['old-attempt-gets-first-outcome', 'pass'],
    ]);
  });

  it('does not fail a participant that refuses a command built without that result', async () => {
    const plan = planProbes([shipment(GUARDS_RESERVATION)], 'shipping', {
      shipment: { orderId: 'o-1' },
    });
    const session = new FakeSession(() => ({
      status: 'failure',
      code: 'INVALID_PAYLOAD',
      message: 'reservationId: expected a string',
    }));

    const outcomes = await checkStep(session, plan.probes[0]!);

    expect(session.sent[0]!.payload).toEqual({ orderId: 'o-1', reservationId: null });
    const fits = outcomes.find((outcome) => outcome.rule.id === 'result-fits-definition')!;
    expect(fits.verdict).toBe('skip');
    expect(fits.detail).toMatch(
      /answered failure INVALID_PAYLOAD: .* to a command built without the result of reserve \(inventory\)/,
    );
    expect(outcomes.filter((outcome) => outcome.verdict === 'fail')).toEqual([]);
  });

  it('does not fail its compensation either: the rule is not checkable without that result', async () => {
    const plan = planProbes([shipment(GUARDS_RESERVATION, true)], 'shipping', {
      shipment: { orderId: 'o-1' },
    });
    // Refuses the command without a reservation; keeps the rest of the contract.
    const compensated = new Set<string>();
    const session = new FakeSession((command): ReplyOutcome => {
      if (command.action === 'compensate') {
        compensated.add(command.sagaId);
        return { status: 'success', result: null };
      }
      if (compensated.has(command.sagaId)) {
        return { status: 'failure', code: ALREADY_COMPENSATED, message: 'compensated' };
      }
      return {
        status: 'failure',
        code: 'INVALID_PAYLOAD',
        message: 'reservationId: expected a string',
      };
    });

    const outcomes = await checkStep(session, plan.probes[0]!);

    const undo = outcomes.find((outcome) => outcome.rule.id === 'compensation-after-success')!;
    expect(undo.verdict).toBe('skip');
    expect(undo.detail).toMatch(/without the result of reserve \(inventory\)/);
    expect(outcomes.filter((outcome) => outcome.verdict === 'fail')).toEqual([]);
  });
});

describe('the built-in sample of the order saga', () => {
  const order = definitionFile(join(definitionsFolder(), 'order.v1.yaml'));
  const results: Record<string, string> = {
    'inventory.reserve': 'reservationId',
    'payment.authorize': 'authorizationId',
    'payment.capture': 'captureId',
    'shipping.schedule': 'shipmentId',
    'notification.send': 'notificationId',
  };

  /** A conforming participant: each command succeeds, unless its step was compensated first. */
  function conforming(): (command: CommandMessage) => ReplyOutcome {
    const compensated = new Set<string>();
    return ({ sagaId, stepId, action, commandType }) => {
      const step = `${sagaId} ${stepId}`;
      if (action === 'compensate') {
        compensated.add(step);
        return { status: 'success', result: null };
      }
      if (compensated.has(step)) {
        return { status: 'failure', code: ALREADY_COMPENSATED, message: 'compensated' };
      }
      return { status: 'success', result: { [results[commandType]!]: `${commandType}-1` } };
    };
  }

  it.each(['inventory', 'payment', 'shipping', 'notification'])(
    'gives %s every rule of every step to check, the results of the others included',
    async (participant) => {
      const plan = planProbes([order], participant, SAMPLE_INPUTS);
      const session = new FakeSession(conforming(), participant);
      expect(plan.probes).not.toHaveLength(0);
      expect(contactCommand(plan.probes).ok).toBe(true);
      for (const probe of plan.probes) {
        const outcomes = await checkStep(session, probe);
        expect(outcomes.filter((outcome) => outcome.verdict !== 'pass')).toEqual([]);
      }
    },
  );
});

describe('contactCommand', () => {
  it('says why no command of the participant can be built, or builds one', () => {
    const definitions = [shipment(READS_RESERVATION)];
    const without = contactCommand(
      planProbes(definitions, 'shipping', { shipment: { orderId: 'o-1' } }).probes,
    );
    expect(without).toEqual({
      ok: false,
      reasons: [
        expect.stringMatching(
          /^shipment v1 \/ ship: the command of ship cannot be built .*it needs the result of reserve \(inventory\)/,
        ) as string,
      ],
    });
    const given = contactCommand(
      planProbes(definitions, 'shipping', {
        shipment: { input: { orderId: 'o-1' }, results: { reserve: { reservationId: 'r-1' } } },
      }).probes,
    );
    if (!given.ok) throw new Error(given.reasons.join('; '));
    expect(given.command('saga-1')).toMatchObject({
      sagaId: 'saga-1',
      stepId: 'ship',
      payload: { orderId: 'o-1', reservationId: 'r-1' },
    });
  });
});
