import { randomUUID } from 'node:crypto';
import {
  linkSync,
  mkdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';

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

/** Who holds a lock: its process, its host, and a token of that taking. */
interface Holder {
  readonly pid: number;
  readonly host: string;
  readonly token: string;
}

/** The directories this process holds, by resolved path: their lock's token and heartbeat. */
const held = new Map<string, { readonly token: string; readonly heartbeat: NodeJS.Timeout }>();

/** The process a lock is taken for; tests stand in for another host. */
export interface LockTaker {
  readonly pid?: number;
  readonly host?: string;
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
 * same volume) when untouched for LOCK_STALE_MS. A left lock is taken over by one process only
 * (it is renamed away first). A second open by this process is its own.
 */
export function lockDataDir(dir: string, taker: LockTaker = {}): void {
  const key = resolve(dir);
  if (held.has(key)) return;
  mkdirSync(dir, { recursive: true });
  const path = join(dir, DATA_DIR_LOCK_FILE);
  const me: Holder = {
    pid: taker.pid ?? process.pid,
    host: taker.host ?? hostname(),
    token: randomUUID(),
  };
  for (let attempt = 0; attempt < 3; attempt++) {
    if (created(path, me)) {
      const heartbeat = setInterval(() => touch(path, me.token), LOCK_HEARTBEAT_MS);
      heartbeat.unref();
      held.set(key, { token: me.token, heartbeat });
      return;
    }
    const holder = holderOf(path);
    if (holder === undefined) continue; // given back meanwhile
    if (!isLeft(path, holder, me)) {
      const where = holder.host === me.host ? '' : ` on host ${holder.host}`;
      throw new DataDirInUseError(
        `EMBEDDED_DATA_DIR ${dir} is in use by process ${holder.pid}${where}: one coordinator per data directory (if no coordinator runs there, remove ${path})`,
      );
    }
    try {
      renameSync(path, `${path}.${me.token}`);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue; // another took it over
      throw error;
    }
    rmSync(`${path}.${me.token}`, { force: true });
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
  if (holderOf(path)?.token === mine.token) rmSync(path, { force: true });
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

/** Who the lock names (a lock of an earlier release holds its pid alone); undefined when gone. */
function holderOf(path: string): Holder | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
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
  if (holder.host !== me.host) return untouchedFor(path, LOCK_STALE_MS);
  if (!Number.isInteger(holder.pid) || holder.pid <= 0 || holder.pid === me.pid) return true;
  return !isAlive(holder.pid);
}

function untouchedFor(path: string, ms: number): boolean {
  try {
    return Date.now() - statSync(path).mtimeMs > ms;
  } catch {
    return true;
  }
}

/** Touches the lock while it is still this taking's. */
function touch(path: string, token: string): void {
  try {
    if (holderOf(path)?.token !== token) return;
    const now = new Date();
    utimesSync(path, now, now);
  } catch {
    // the next beat tries again
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
