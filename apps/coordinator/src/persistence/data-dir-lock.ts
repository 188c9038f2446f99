import { mkdirSync, openSync, readFileSync, rmSync, writeSync, closeSync } from 'node:fs';
import { join } from 'node:path';

/** The file that says which process runs on an embedded data directory. */
export const DATA_DIR_LOCK_FILE = 'coordinator.lock';

/** Another live process runs on the embedded data directory. */
export class DataDirInUseError extends Error {
  override name = 'DataDirInUseError';
}

/**
 * Takes the embedded data directory for this process, or throws DataDirInUseError: two
 * processes on one PGlite directory overwrite each other's files (a saga answered 202 by one
 * is gone after both stop, or the directory no longer opens), and PGlite does not lock it. A
 * lock left by a process that is gone (killed) is taken over; one of this process is kept.
 */
export function lockDataDir(dir: string, pid: number = process.pid): void {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, DATA_DIR_LOCK_FILE);
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = openSync(path, 'wx');
      try {
        writeSync(fd, `${pid}\n`);
      } finally {
        closeSync(fd);
      }
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const holder = Number.parseInt(readFileSync(path, 'utf8'), 10);
    if (holder === pid) return;
    if (Number.isInteger(holder) && holder > 0 && isAlive(holder)) {
      throw new DataDirInUseError(
        `EMBEDDED_DATA_DIR ${dir} is in use by process ${holder}: one coordinator per data directory (if that process is not a coordinator, remove ${path})`,
      );
    }
    rmSync(path, { force: true }); // left by a process that is gone
  }
  throw new DataDirInUseError(`EMBEDDED_DATA_DIR ${dir}: could not take ${path}`);
}

/** Gives the directory back, if this process holds it. */
export function unlockDataDir(dir: string, pid: number = process.pid): void {
  const path = join(dir, DATA_DIR_LOCK_FILE);
  try {
    if (Number.parseInt(readFileSync(path, 'utf8'), 10) === pid) rmSync(path, { force: true });
  } catch {
    // gone already
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
