import type { ConsumerBacklogReport } from '#saga-core';
import { Listeners } from '../common/listeners.js';

/**
 * Replies before starts. While the reply consumer's backlog (replies on the topic or in hand,
 * not yet handled) is at this instance's share of `pauseAt` or more, new starts wait on their
 * topic: the sagas in flight finish first, so an overloaded instance neither takes on sagas it
 * cannot advance nor lets the replies it has yet to read count against the participants' caps
 * (they count a command until its reply is decided: past the cap, every new command would be
 * held, at a row and a release each). Starts flow again once the backlog is down to half.
 *
 * `pauseAt` is for the whole deployment: an instance's share is that of the reply topic's
 * `partitions` it owns, so the instances together leave at most about `pauseAt` replies unread
 * whatever their number. An instance that owns none never waits. 0 turns it off.
 *
 * Starts over HTTP wait in memory instead (StartDecisions), for a bounded time.
 */
export class RepliesFirst {
  private behind = false;
  private backlog: ConsumerBacklogReport = { messages: 0, partitions: 0 };
  private readonly changes = new Listeners<boolean>();

  constructor(
    readonly pauseAt: number,
    private readonly partitions: number,
  ) {}

  /** Calls `listener` with `true` when starts should wait, `false` when they may flow again. */
  onChange(listener: (behind: boolean) => void): void {
    this.changes.subscribe(listener);
  }

  /** The reply consumer's latest backlog, in messages. */
  get replyBacklog(): number {
    return this.backlog.messages;
  }

  get isBehind(): boolean {
    return this.behind;
  }

  noteBacklog(backlog: ConsumerBacklogReport): void {
    this.backlog = backlog;
    if (this.pauseAt === 0) return;
    const share = Math.min(1, backlog.partitions / this.partitions);
    const limit = Math.max(1, Math.round(this.pauseAt * share));
    const behind =
      share > 0 && (this.behind ? backlog.messages > limit / 2 : backlog.messages >= limit);
    if (behind === this.behind) return;
    this.behind = behind;
    this.changes.emit(behind);
  }
}
