// A step abandoned after technical errors must not act later. Its errors stored nothing at the
// participant, so nothing closed its key: a late copy of its command (Kafka redelivers, a
// relay republishes) would reserve stock for a saga that had already compensated, and no
// release would ever follow. The full-size chaos run found 8 such reservations and
// authorizations. The coordinator now compensates such a step (outcome unknown), which closes
// its key; the late copy is refused.
import {
  ALREADY_COMPENSATED,
  HEADERS,
  MESSAGE_TYPES,
  topicNames,
  type CommandMessage,
  type ReplyOutcome,
} from '#contracts';
import type { CoordinatorRuntime } from '../../../apps/coordinator/src/runtime/coordinator-runtime.js';
import { silentParticipantLogger } from '#saga-participant';
import {
  createEnvironment,
  startCoordinator,
  startKafkaParticipants,
  waitForSagas,
  type CoordinatorEnvironment,
} from '../../support/coordinator-fixture.js';
import { appliedEffects, effectsAgainstOutcomes } from '../../support/order-invariants.js';
import { orderPlans } from '../../support/saga-load.js';
import { waitFor } from '../../support/wait-for.js';

describe('a step that ended in technical errors while its saga compensated', () => {
  let environment: CoordinatorEnvironment;
  let coordinator: CoordinatorRuntime;
  let participants: Awaited<ReturnType<typeof startKafkaParticipants>>;
  /** While true, every inventory.reserve fails with a technical error (nothing is stored). */
  let inventoryDown = true;
  const reserveCommands: CommandMessage[] = [];
  /** What the inventory answered to each reservation command, in order. */
  const reserveAnswers: { messageId: string; outcome: ReplyOutcome }[] = [];

  beforeAll(async () => {
    environment = await createEnvironment('it_errored_step');
    participants = await startKafkaParticipants(environment, {
      logger: silentParticipantLogger,
      interceptReply: (participant) =>
        participant !== 'inventory'
          ? undefined
          : (reply, command) => {
              if (command.commandType === 'inventory.reserve') {
                const { outcome } = JSON.parse(reply.value ?? '{}') as { outcome: ReplyOutcome };
                reserveAnswers.push({ messageId: command.messageId, outcome });
              }
              return [reply];
            },
      wrapHandlers: (participant, handlers) =>
        participant !== 'inventory'
          ? handlers
          : {
              ...handlers,
              'inventory.reserve': (command, context) => {
                reserveCommands.push(command);
                if (inventoryDown) throw new Error('the stock database is unreachable');
                return handlers['inventory.reserve']!(command, context);
              },
            },
    });
    coordinator = await startCoordinator(environment, { TIME_SCALE: '0.1' });
  });

  afterAll(async () => {
    await coordinator?.stop();
    await participants?.stop();
    await environment?.dispose();
  });

  it('compensates it to close its key, so a late copy of its command is refused, not applied', async () => {
    // Declined: the payment refuses at once while the reservation errs and backs off.
    const [plan] = orderPlans('errored', 10).filter((p) => p.expected === 'compensated');
    const started = await coordinator.decisions.start({
      sagaType: 'order',
      idempotencyKey: plan!.idempotencyKey,
      input: plan!.input,
    });
    const [ended] = await waitForSagas(environment.db, [started.sagaId], ['compensated']);
    expect(reserveCommands.length).toBeGreaterThan(0);

    // The inventory is back; a copy of the reservation's last command arrives late.
    inventoryDown = false;
    const late = reserveCommands.at(-1)!;
    const answered = reserveAnswers.length;
    await participants.transport.publisher.publish([
      {
        topic: topicNames(environment.topicPrefix).commands('inventory'),
        key: late.sagaId,
        headers: {
          [HEADERS.messageId]: `${late.messageId}:late-copy`,
          [HEADERS.messageType]: MESSAGE_TYPES.command,
        },
        value: JSON.stringify(late),
      },
    ]);
    const answer = await waitFor('the answer to the late copy', () =>
      reserveAnswers.slice(answered).find((a) => a.messageId === late.messageId),
    );

    expect(answer.outcome).toMatchObject({ status: 'failure', code: ALREADY_COMPENSATED });
    expect(participants.ledgers.inventory.countOf(`${started.sagaId}:reserve-inventory`)).toBe(0);
    expect(effectsAgainstOutcomes([ended!], appliedEffects(participants.ledgers))).toEqual([]);
  });
});
