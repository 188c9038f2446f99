import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DATA_DIR_LOCK_FILE,
  DataDirInUseError,
  LOCK_STALE_MS,
  lockDataDir,
  unlockDataDir,
} from './data-dir-lock.js';

describe('the embedded data directory lock', () => {
  let dir: string;
  const lockFile = () => join(dir, DATA_DIR_LOCK_FILE);
  const holder = () =>
    JSON.parse(readFileSync(lockFile(), 'utf8')) as { pid: number; host: string };
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
});
