import { jest } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DATA_DIR_LOCK_FILE,
  DataDirInUseError,
  DataDirLockLostError,
  LOCK_HEARTBEAT_MS,
  LOCK_STALE_MS,
  lockDataDir,
  unlockDataDir,
} from './data-dir-lock.js';

describe('the embedded data directory lock', () => {
  let dir: string;
  const lockFile = () => join(dir, DATA_DIR_LOCK_FILE);
  const holder = () =>
    JSON.parse(readFileSync(lockFile(), 'utf8')) as { pid: number; host: string; token: string };
  /** The lock another process wrote. */
  const heldBy = (pid: number, host = hostname()) =>
    writeFileSync(lockFile(), `${JSON.stringify({ pid, host, token: 'theirs' })}\n`);
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'data-dir-lock-'));
  });
  afterEach(() => {
    unlockDataDir(dir);
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses a directory a live process of this host holds, and takes it once given back', () => {
    // Another coordinator (its parent process stands in for it: alive for the whole test).
    heldBy(process.ppid);
    expect(() => lockDataDir(dir)).toThrow(DataDirInUseError);
    expect(() => lockDataDir(dir)).toThrow(`is in use by process ${process.ppid}:`);
    unlockDataDir(dir); // not ours: left alone
    expect(holder().pid).toBe(process.ppid);
    rmSync(lockFile()); // given back
    lockDataDir(dir);
    lockDataDir(dir); // ours already: a second open
    expect(holder()).toMatchObject({ pid: process.pid, host: hostname() });
    unlockDataDir(dir);
    expect(existsSync(lockFile())).toBe(false);
  });

  it('takes over the lock of a process of this host that is gone (killed), or of an earlier release', () => {
    const gone = spawnSync(process.execPath, ['-e', '']).pid!;
    heldBy(gone);
    lockDataDir(dir);
    expect(holder().pid).toBe(process.pid);
    unlockDataDir(dir);
    writeFileSync(lockFile(), `${gone}\n`);
    lockDataDir(dir);
    expect(holder().pid).toBe(process.pid);
  });

  it('takes over a lock bearing its own pid that is not its own: its container restarted', () => {
    heldBy(1);
    lockDataDir(dir, { pid: 1 });
    expect(holder()).toMatchObject({ pid: 1, host: hostname() });
  });

  it('refuses a lock of another host (another container, pid 1 too) while it is touched, and takes it once left', () => {
    heldBy(1, 'other-container');
    expect(() => lockDataDir(dir, { pid: 1 })).toThrow(
      'is in use by process 1 on host other-container',
    );
    const untouched = new Date(Date.now() - LOCK_STALE_MS - 1_000);
    utimesSync(lockFile(), untouched, untouched);
    lockDataDir(dir, { pid: 1 });
    expect(holder()).toMatchObject({ pid: 1, host: hostname() });
  });

  it('refuses, and puts back, a lock another process took over between its look and its move', () => {
    const gone = spawnSync(process.execPath, ['-e', '']).pid!;
    writeFileSync(
      lockFile(),
      `${JSON.stringify({ pid: gone, host: hostname(), token: 'dead' })}\n`,
    );
    let renames = 0;
    const files = {
      renameSync: (from: string, to: string) => {
        renames += 1;
        if (renames === 1) {
          // The other process judged the same lock left, moved it away and took the directory.
          renameSync(lockFile(), `${lockFile()}.gone`);
          const theirs = `${JSON.stringify({ pid: process.ppid, host: hostname(), token: 'live' })}\n`;
          writeFileSync(lockFile(), theirs);
        }
        renameSync(from, to);
      },
    };

    expect(() => lockDataDir(dir, { files })).toThrow(DataDirInUseError);
    expect(holder()).toMatchObject({ pid: process.ppid, token: 'live' });
    expect(readdirSync(dir).sort()).toEqual([DATA_DIR_LOCK_FILE, `${DATA_DIR_LOCK_FILE}.gone`]);
  });

  describe('while held', () => {
    beforeEach(() => jest.useFakeTimers());
    afterEach(() => jest.useRealTimers());

    it('reports the lock lost, once, when another process has taken it, and leaves theirs alone', () => {
      const lost: Error[] = [];
      lockDataDir(dir, { onLost: (error) => lost.push(error) });
      const theirs = `${JSON.stringify({ pid: process.ppid, host: hostname(), token: 'theirs' })}\n`;
      writeFileSync(`${lockFile()}.new`, theirs);
      renameSync(`${lockFile()}.new`, lockFile());

      jest.advanceTimersByTime(LOCK_HEARTBEAT_MS);
      expect(lost).toHaveLength(1);
      expect(lost[0]).toBeInstanceOf(DataDirLockLostError);
      expect(lost[0]?.message).toContain(`now held by process ${process.ppid}`);
      jest.advanceTimersByTime(3 * LOCK_HEARTBEAT_MS);
      expect(lost).toHaveLength(1);
      unlockDataDir(dir);
      expect(holder().token).toBe('theirs');
    });

    it('puts its lock back when it finds none (moved away a moment by a process looking at it)', () => {
      const lost: Error[] = [];
      lockDataDir(dir, { onLost: (error) => lost.push(error) });
      const mine = holder();
      rmSync(lockFile());

      jest.advanceTimersByTime(LOCK_HEARTBEAT_MS);
      expect(holder()).toEqual(mine);
      expect(lost).toEqual([]);
    });

    it('touches its lock by the file system clock, the one another host compares it with', () => {
      lockDataDir(dir, { onLost: () => undefined });
      jest.setSystemTime(Date.now() - 10 * LOCK_STALE_MS); // this host's clock lags
      writeFileSync(join(dir, 'probe'), '');

      jest.advanceTimersByTime(LOCK_HEARTBEAT_MS);
      expect(statSync(lockFile()).mtimeMs).toBeGreaterThanOrEqual(
        statSync(join(dir, 'probe')).mtimeMs,
      );
    });

    it("judges another host's lock by the file system clock, not this host's, which may run ahead", () => {
      writeFileSync(
        lockFile(),
        `${JSON.stringify({ pid: 1, host: 'other-container', token: 'theirs' })}\n`,
      );
      jest.setSystemTime(Date.now() + 10 * LOCK_STALE_MS);
      expect(() => lockDataDir(dir, { pid: 1 })).toThrow(
        'is in use by process 1 on host other-container',
      );
    });
  });
});
