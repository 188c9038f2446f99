import { Listeners } from '../common/listeners.js';

/**
 * Replies before starts. While the reply consumer's backlog (replies on the topic or in hand,
 * not yet decided) is at `pauseAt` or more, new starts wait on their topic: the sagas in flight
 * finish first, so an overloaded instance neither takes on sagas it cannot advance nor lets the
 * replies it has yet to read count against the participants' caps (they count a command until
 * its reply is decided: past the cap, every new command would be held, at a row and a release
 * each). Starts flow again once the backlog is down to half of `pauseAt`. 0 turns it off.
 */
export class RepliesFirst {
  private behind = false;
  private backlog = 0;
  private readonly changes = new Listeners<boolean>();

  constructor(readonly pauseAt: number) {}

  /** Calls `listener` with `true` when starts should wait, `false` when they may flow again. */
  onChange(listener: (behind: boolean) => void): void {
    this.changes.subscribe(listener);
  }

  /** The reply consumer's latest backlog, in messages. */
  get replyBacklog(): number {
    return this.backlog;
  }

  get isBehind(): boolean {
    return this.behind;
  }

  noteBacklog(messages: number): void {
    this.backlog = messages;
    if (this.pauseAt === 0) return;
    const behind = this.behind ? messages > this.pauseAt / 2 : messages >= this.pauseAt;
    if (behind === this.behind) return;
    this.behind = behind;
    this.changes.emit(behind);
  }
}
