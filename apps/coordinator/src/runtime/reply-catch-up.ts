import { performance } from 'node:perf_hooks';
import { Logger } from '@nestjs/common';
import type { PartitionEnds } from '#messaging';
import { describeError } from '#errors';

/** Where a consumer group stands on a topic (KafkaLagReader on the configured Kafka). */
export interface GroupPositions {
  partitionEnds(topic: string): Promise<Map<number, PartitionEnds>>;
  committedOffsets(groupId: string, topic: string): Promise<Map<number, bigint>>;
}

/** How often the group's committed offsets are read while behind. */
export const CATCH_UP_CHECK_MS = 1_000;
/** How long reply timeouts wait at most: past it they fire as before (a group that never ends). */
export const CATCH_UP_LIMIT_MS = 15 * 60_000;

/**
 * Whether the replies on the reply topic when this instance started are still unhandled (not
 * committed by the reply group, whichever instance reads them). While they are, its reply
 * timeouts wait: after every instance was down for a while, the replies sent meanwhile are
 * decided first, so that no reply that came in time is beaten by its own timeout, which fell
 * due while nobody could read it (an outage delays sagas, it does not fail them). The offsets
 * are read in the background, at most every CATCH_UP_CHECK_MS; a failed read leaves it behind
 * (the broker away, the replies could not be read either) until CATCH_UP_LIMIT_MS.
 */
export class ReplyCatchUp {
  private readonly logger = new Logger(ReplyCatchUp.name);
  private ends: Promise<Map<number, PartitionEnds>> | undefined;
  private began: number | undefined;
  private lastCheck = Number.NEGATIVE_INFINITY;
  private checking = false;
  /** Whether the last read failed (said once, until one succeeds). */
  private failing = false;
  private done: boolean;

  constructor(
    /** Undefined when nothing outlives the process (the in-process broker): never behind. */
    private readonly positions: GroupPositions | undefined,
    private readonly groupId: string,
    private readonly topic: string,
    private readonly clock: () => number = () => performance.now(),
  ) {
    this.done = positions === undefined;
  }

  /** Marks the replies to handle first: those on the topic now. Call before the consumer starts. */
  begin(): void {
    if (this.done || this.began !== undefined) return;
    this.began = this.clock();
    this.ends = this.readEnds();
  }

  /** True while those replies are not all handled; reads the group's offsets again when due. */
  behind(): boolean {
    if (this.done || this.began === undefined) return false;
    const now = this.clock();
    if (now - this.began >= CATCH_UP_LIMIT_MS) {
      this.logger.warn(
        `reply timeouts fire again, though the replies on ${this.topic} from before this start are not all handled after ${CATCH_UP_LIMIT_MS / 60_000} min`,
      );
      this.done = true;
      return false;
    }
    if (!this.checking && now - this.lastCheck >= CATCH_UP_CHECK_MS) {
      this.lastCheck = now;
      this.checking = true;
      void this.check().finally(() => (this.checking = false));
    }
    return true;
  }

  private async check(): Promise<void> {
    try {
      const ends = await (this.ends ??= this.readEnds());
      const committed = await this.positions!.committedOffsets(this.groupId, this.topic);
      this.failing = false;
      const handled = [...ends].every(([partition, { low, high }]) => {
        const at = committed.get(partition) ?? -1n;
        return at >= high || (at < 0n && high <= low);
      });
      if (!handled || this.done) return;
      this.done = true;
      const waited = Math.round(this.clock() - this.began!);
      this.logger.log(
        `the replies from before this start are handled (${waited} ms): reply timeouts fire`,
      );
    } catch (error) {
      if (this.failing) return;
      this.failing = true;
      this.logger.warn(
        `reply timeouts wait: where ${this.groupId} stands on ${this.topic} is unknown (${describeError(error)})`,
      );
    }
  }

  /** The topic's ends; read again at the next check when this read fails. */
  private readEnds(): Promise<Map<number, PartitionEnds>> {
    const reading = this.positions!.partitionEnds(this.topic);
    reading.catch(() => {
      if (this.ends === reading) this.ends = undefined;
    });
    return reading;
  }
}
