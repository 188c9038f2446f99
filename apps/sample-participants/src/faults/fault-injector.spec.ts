import type { OutgoingMessage } from '#saga-core';
import { commandFor } from '../command.fixture.js';
import { parseFaultConfig } from './fault-config.js';
import { FaultInjector } from './fault-injector.js';
import { seededRandom } from './seeded-random.js';

const reply: OutgoingMessage = { topic: 'saga.replies', key: 's', headers: {}, value: '{}' };
const noTransaction = { transaction: undefined, onRollback: () => undefined };

/** An injector whose random draws are `draws`, in order (then 0.99). */
function injectorWith(config: unknown, draws: number[] = []) {
  const crashed: string[] = [];
  const slept: number[] = [];
  const injector = new FaultInjector(parseFaultConfig(config), {
    random: () => draws.shift() ?? 0.99,
    sleep: async (ms) => void slept.push(ms),
    crash: (participant) => void crashed.push(participant),
  });
  return { injector, crashed, slept };
}

const handlers = { 'inventory.reserve': () => ({ ok: true }) };

describe('the fault injector', () => {
  it('lets every command through when no fault is configured', async () => {
    const { injector } = injectorWith({});
    const wrapped = injector.wrapHandlers('inventory', handlers);
    expect(await wrapped['inventory.reserve']!(commandFor(), noTransaction)).toEqual({ ok: true });
    expect(injector.replyInterceptor('inventory')(reply, commandFor())).toEqual([reply]);
  });

  it('throws a technical error when the draw falls under the transient error rate', async () => {
    const { injector } = injectorWith({ inventory: { transientErrorRate: 0.5 } }, [0.4]);
    const wrapped = injector.wrapHandlers('inventory', handlers);
    await expect(wrapped['inventory.reserve']!(commandFor(), noTransaction)).rejects.toThrow(
      'injected transient fault in inventory',
    );
    expect(injector.injected().transientError).toBe(1);
  });

  it('keeps transient errors to forward commands when told to', async () => {
    const config = { inventory: { transientErrorRate: 1, transientErrorsOnCompensations: false } };
    const { injector } = injectorWith(config, [0, 0]);
    const wrapped = injector.wrapHandlers('inventory', handlers);
    await expect(wrapped['inventory.reserve']!(commandFor(), noTransaction)).rejects.toThrow(
      'injected transient fault',
    );
    const compensation = commandFor({ action: 'compensate' });
    expect(await wrapped['inventory.reserve']!(compensation, noTransaction)).toEqual({ ok: true });
    expect(injector.injected().transientError).toBe(1);
  });

  it('refuses forward commands but never compensations for a business failure', async () => {
    const { injector } = injectorWith({ inventory: { businessFailureRate: 1 } }, [0, 0]);
    const wrapped = injector.wrapHandlers('inventory', handlers);
    await expect(wrapped['inventory.reserve']!(commandFor(), noTransaction)).rejects.toMatchObject({
      code: 'INJECTED_FAILURE',
    });
    const compensation = commandFor({ action: 'compensate' });
    expect(await wrapped['inventory.reserve']!(compensation, noTransaction)).toEqual({ ok: true });
  });

  it('waits a drawn part of the configured latency before acting', async () => {
    const { injector, slept } = injectorWith({ inventory: { latencyMs: 100 } }, [0.25]);
    await injector.wrapHandlers('inventory', handlers)['inventory.reserve']!(
      commandFor(),
      noTransaction,
    );
    expect(slept).toEqual([25]);
  });

  it('crashes after the commit, drops or duplicates a reply as drawn', () => {
    const config = {
      inventory: { crashAfterCommitRate: 0.1, dropReplyRate: 0.1, duplicateReplyRate: 0.1 },
    };
    const { injector, crashed } = injectorWith(config, [0.05, 0.5, 0.05, 0.5, 0.5, 0.05]);
    const intercept = injector.replyInterceptor('inventory');
    expect(intercept(reply, commandFor())).toEqual([]);
    expect(crashed).toEqual(['inventory']);
    expect(intercept(reply, commandFor())).toEqual([]);
    expect(intercept(reply, commandFor())).toEqual([reply, reply]);
    expect(injector.injected()).toMatchObject({
      crashAfterCommit: 1,
      dropReply: 1,
      duplicateReply: 1,
    });
  });

  it('crashes after the commit of the N-th reply when told to, whatever the draws', () => {
    const { injector, crashed } = injectorWith({ shipping: { crashAfterCommitAt: 3 } });
    const intercept = injector.replyInterceptor('shipping');

    const sent = [1, 2, 3, 4].map(() => intercept(reply, commandFor()).length);

    expect(sent).toEqual([1, 1, 0, 1]);
    expect(crashed).toEqual(['shipping']);
    expect(injector.injected().crashAfterCommit).toBe(1);
  });

  it('applies a replaced configuration to the next command', async () => {
    const { injector } = injectorWith({}, [0]);
    injector.replace(parseFaultConfig({ inventory: { transientErrorRate: 1 } }));
    const wrapped = injector.wrapHandlers('inventory', handlers);
    await expect(wrapped['inventory.reserve']!(commandFor(), noTransaction)).rejects.toThrow();
  });

  it('injects the same faults for the same seed', () => {
    const config = parseFaultConfig({ inventory: { dropReplyRate: 0.3 } });
    const run = () => {
      const injector = new FaultInjector(config, {
        random: seededRandom(42),
        sleep: async () => undefined,
        crash: () => undefined,
      });
      const intercept = injector.replyInterceptor('inventory');
      return Array.from({ length: 50 }, () => intercept(reply, commandFor()).length);
    };
    const first = run();
    expect(run()).toEqual(first);
    expect(first.filter((n) => n === 0).length).toBeGreaterThan(5);
  });

  it('refuses a configuration with a rate above one or an unknown field, naming it', () => {
    expect(() => parseFaultConfig({ inventory: { dropReplyRate: 2 } })).toThrow(/dropReplyRate/);
    expect(() => parseFaultConfig({ inventory: { explode: 1 } })).toThrow(/explode/);
  });
});
