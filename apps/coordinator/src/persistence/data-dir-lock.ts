import { randomUUID } from 'node:crypto';
import {
  closeSync,
  fstatSync,
  linkSync,
  mkdirSync,
  openSync,
  readFileSync,
  readSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { Logger } from '@nestjs/common';

/** The file that says which process runs on an embedded data directory. */
export const DATA_DIR_LOCK_FILE = 'coordinator.lock';

/** How often a holder touches its lock (ms). */
export const LOCK_HEARTBEAT_MS = 5_000;

/**
 * How long a lock of a process on another host (another container: its pid means nothing here)
 * may go untouched before it counts as left (ms). Long against a heartbeat delayed by a busy
 * event loop (PGlite runs its queries on it).
 */
export const LOCK_STALE_MS = 60_000;

/** Another live process runs on the embedded data directory. */
export class DataDirInUseError extends Error {
  override name = 'DataDirInUseError';
}

/** Another process has taken the data directory this process runs on: it must stop using it. */
export class DataDirLockLostError extends Error {
  override name = 'DataDirLockLostError';
}

/** Who holds a lock: its process, its host, and a token of that taking. */
interface Holder {
  readonly pid: number;
  readonly host: string;
  readonly token: string;
}

/** The directories this process holds, by resolved path: their lock's token and heartbeat. */
const held = new Map<string, { readonly token: string; readonly heartbeat: NodeJS.Timeout }>();

/** The file system calls of a takeover that tests replace, to play a race. */
export interface LockFiles {
  readonly renameSync: (from: string, to: string) => void;
}

/** How a lock is taken; every field has a default. */
export interface LockDataDirOptions {
  /** The process it is taken for (default: this one); tests stand in for another. */
  readonly pid?: number;
  /** Its host (default: `os.hostname()`); tests stand in for another container. */
  readonly host?: string;
  /**
   * Called once when the heartbeat finds the lock taken by another process, which then runs
   * on the directory too: this process must stop writing there at once. Default
   * `exitOnLostLock`: logs an error and exits with status 1 (closing the database would write
   * to the directory again).
   */
  readonly onLost?: (error: DataDirLockLostError) => void;
  /** Default: node:fs. */
  readonly files?: LockFiles;
}

/**
 * Takes the embedded data directory for this process, or throws DataDirInUseError: two
 * processes on one PGlite directory overwrite each other's files (a saga answered 202 by one
 * is gone after both stop, or the directory no longer opens), and PGlite does not lock it.
 *
 * The lock names its process, host and a token, written whole before it appears (a hard link
 * of a complete file), and the holder touches it every LOCK_HEARTBEAT_MS. A lock of a process
 * on this host is left when that process is gone (killed), or when it bears this process's
 * own pid (a container restarted: pid 1 again); one of another host (another container on the
 * same volume) when untouched for LOCK_STALE_MS by the file system's clock (a probe file's
 * time, not this host's clock). A left lock is renamed away before the new one is linked; when
 * the file moved is not the lock judged left (another process took that over meanwhile), it is
 * put back and the directory refused. A second open by this process is its own.
 */
export function lockDataDir(dir: string, options: LockDataDirOptions = {}): void {
  const key = resolve(dir);
  if (held.has(key)) return;
  mkdirSync(dir, { recursive: true });
  const path = join(dir, DATA_DIR_LOCK_FILE);
  const me: Holder = {
    pid: options.pid ?? process.pid,
    host: options.host ?? hostname(),
    token: randomUUID(),
  };
  const files = options.files ?? { renameSync };
  const onLost = options.onLost ?? exitOnLostLock;
  for (let attempt = 0; attempt < 3; attempt++) {
    if (created(path, me)) {
      const heartbeat = setInterval(() => beat(key, path, me, onLost), LOCK_HEARTBEAT_MS);
      heartbeat.unref();
      held.set(key, { token: me.token, heartbeat });
      return;
    }
    const judged = readLock(path);
    if (judged === undefined) continue; // given back meanwhile
    const holder = parseHolder(judged);
    if (!isLeft(path, holder, me)) throw inUse(dir, path, holder, me);
    const moved = `${path}.${me.token}`;
    try {
      files.renameSync(path, moved);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue; // another took it over
      throw error;
    }
    const movedText = readLock(moved);
    if (movedText !== judged) {
      // Another process took the left lock over between the look and the move: this is its own.
      putBack(moved, path);
      throw inUse(dir, path, movedText === undefined ? holder : parseHolder(movedText), me);
    }
    rmSync(moved, { force: true });
  }
  throw new DataDirInUseError(`EMBEDDED_DATA_DIR ${dir}: could not take ${path}`);
}

/** Gives the directory back, if this process holds it. */
export function unlockDataDir(dir: string): void {
  const key = resolve(dir);
  const mine = held.get(key);
  if (mine === undefined) return;
  held.delete(key);
  clearInterval(mine.heartbeat);
  const path = join(dir, DATA_DIR_LOCK_FILE);
  const text = readLock(path);
  if (text !== undefined && parseHolder(text).token === mine.token) rmSync(path, { force: true });
}

/** The default of `onLost`: another process writes to the directory now, so stop at once. */
export function exitOnLostLock(error: DataDirLockLostError): void {
  new Logger('EmbeddedDataDir').error(error.message);
  process.exit(1);
}

/**
 * One heartbeat: touches the lock while it is this taking's, puts it back when it is missing
 * (a process that judged it left may have moved it away a moment), and reports it lost, once,
 * when another process's lock is there.
 */
function beat(
  key: string,
  path: string,
  me: Holder,
  onLost: (error: DataDirLockLostError) => void,
): void {
  let found: Holder | 'touched' | 'missing';
  try {
    found = touchIfMine(path, me.token);
    if (found === 'missing' && !created(path, me)) return; // linked by another: the next beat sees it
  } catch {
    return; // the next beat tries again
  }
  if (found === 'touched' || found === 'missing') return;
  clearInterval(held.get(key)?.heartbeat);
  held.delete(key);
  const where = found.host === me.host ? '' : ` on host ${found.host}`;
  onLost(
    new DataDirLockLostError(
      `EMBEDDED_DATA_DIR ${path}: the lock of this process (${me.pid}) is now held by process ${found.pid}${where}; two processes on one data directory break it: this one stops`,
    ),
  );
}

/**
 * Touches the lock when it bears `token`, else tells who holds it (or that none does). The
 * check and the touch go through one open file, so only the file checked is touched; the touch
 * writes the same bytes over themselves, so the file system stamps the time with its own
 * clock, the one another host compares with (`untouchedFor`), and a reader never sees a part.
 */
function touchIfMine(path: string, token: string): Holder | 'touched' | 'missing' {
  let fd: number;
  try {
    fd = openSync(path, 'r+');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 'missing';
    throw error;
  }
  try {
    const bytes = Buffer.alloc(fstatSync(fd).size);
    const length = readSync(fd, bytes, 0, bytes.length, 0);
    const holder = parseHolder(bytes.toString('utf8', 0, length));
    if (holder.token !== token) return holder;
    writeSync(fd, bytes, 0, length, 0);
    return 'touched';
  } finally {
    closeSync(fd);
  }
}

/** Creates the lock naming `me`, whole; false when there is one already. */
function created(path: string, me: Holder): boolean {
  const draft = `${path}.${me.token}.new`;
  writeFileSync(draft, `${JSON.stringify(me)}\n`);
  try {
    linkSync(draft, path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    return false;
  } finally {
    rmSync(draft, { force: true });
  }
}

/** Links a lock moved away by mistake back in place, unless another lock is there by now. */
function putBack(moved: string, path: string): void {
  try {
    linkSync(moved, path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  } finally {
    rmSync(moved, { force: true });
  }
}

function inUse(dir: string, path: string, holder: Holder, me: Holder): DataDirInUseError {
  const where = holder.host === me.host ? '' : ` on host ${holder.host}`;
  return new DataDirInUseError(
    `EMBEDDED_DATA_DIR ${dir} is in use by process ${holder.pid}${where}: one coordinator per data directory (if no coordinator runs there, remove ${path})`,
  );
}

/** The lock's text; undefined when there is none. */
function readLock(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** Who a lock's text names (a lock of an earlier release holds its pid alone). */
function parseHolder(text: string): Holder {
  try {
    const { pid, host, token } = JSON.parse(text) as Partial<Holder>;
    if (typeof pid === 'number' && typeof host === 'string' && typeof token === 'string') {
      return { pid, host, token };
    }
  } catch {
    // an earlier release's lock
  }
  return { pid: Number.parseInt(text, 10), host: hostname(), token: '' };
}

function isLeft(path: string, holder: Holder, me: Holder): boolean {
  if (holder.host !== me.host)
    return untouchedFor(path, LOCK_STALE_MS, `${path}.${me.token}.probe`);
  if (!Number.isInteger(holder.pid) || holder.pid <= 0 || holder.pid === me.pid) return true;
  return !isAlive(holder.pid);
}

/**
 * Whether `path` was last touched more than `ms` ago by the file system's clock: a probe file
 * written now gives that clock's time (another host's clock, which stamped the lock, may differ
 * from this host's; the file system stamps both).
 */
function untouchedFor(path: string, ms: number, probe: string): boolean {
  writeFileSync(probe, '');
  try {
    const now = statSync(probe).mtimeMs;
    return now - statSync(path).mtimeMs > ms;
  } catch {
    return true; // the lock is gone
  } finally {
    rmSync(probe, { force: true });
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
