import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DATA_DIR_LOCK_FILE,
  DataDirInUseError,
  lockDataDir,
  unlockDataDir,
} from './data-dir-lock.js';

describe('the embedded data directory lock', () => {
  let dir: string;
  const lockFile = () => join(dir, DATA_DIR_LOCK_FILE);
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'data-dir-lock-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('refuses a directory a live process holds, and takes it again once given back', () => {
    // Another coordinator (its parent process stands in for it: alive for the whole test).
    lockDataDir(dir, process.ppid);
    expect(() => lockDataDir(dir)).toThrow(DataDirInUseError);
    expect(() => lockDataDir(dir)).toThrow(`is in use by process ${process.ppid}`);
    unlockDataDir(dir); // not ours: left alone
    expect(readFileSync(lockFile(), 'utf8').trim()).toBe(String(process.ppid));
    unlockDataDir(dir, process.ppid);
    lockDataDir(dir);
    lockDataDir(dir); // ours already: a second open
    expect(readFileSync(lockFile(), 'utf8').trim()).toBe(String(process.pid));
    unlockDataDir(dir);
    expect(existsSync(lockFile())).toBe(false);
  });

  it('takes over the lock of a process that is gone (killed)', () => {
    const gone = spawnSync(process.execPath, ['-e', '']).pid!;
    writeFileSync(lockFile(), `${gone}\n`);
    lockDataDir(dir);
    expect(readFileSync(lockFile(), 'utf8').trim()).toBe(String(process.pid));
  });
});
