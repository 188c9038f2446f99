import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

/**
 * Linux /proc readers for the bench: CPU time and memory of a process, the process listening on
 * a TCP port, the processes of the Postgres server. The parsers are pure (text in, numbers out);
 * the readers return undefined when the process is gone or unreadable.
 */

/** Ticks per second of the times in /proc/<pid>/stat (USER_HZ: 100 on every Linux build). */
const CLOCK_TICKS = 100;

/** What the bench needs of /proc/<pid>/stat. */
export interface ProcStat {
  readonly comm: string;
  readonly ppid: number;
  /** User + system CPU seconds of the process itself (all its threads). */
  readonly cpuSeconds: number;
  /** User + system CPU seconds of its children that it waited for (the Postgres postmaster's exited backends). */
  readonly reapedChildrenCpuSeconds: number;
}

/** Parses /proc/<pid>/stat; `comm` is the text between the first '(' and the last ')'. */
export function parseStat(text: string): ProcStat {
  const close = text.lastIndexOf(')');
  const comm = text.slice(text.indexOf('(') + 1, close);
  // Fields after the comm, from field 3 (state): ppid is field 4, utime..cstime are 14..17.
  const fields = text.slice(close + 2).split(' ');
  const field = (n: number) => Number(fields[n - 3]);
  return {
    comm,
    ppid: field(4),
    cpuSeconds: (field(14) + field(15)) / CLOCK_TICKS,
    reapedChildrenCpuSeconds: (field(16) + field(17)) / CLOCK_TICKS,
  };
}

/** A `Name:   value kB` line of /proc/<pid>/status or smaps_rollup, in kB. */
export function parseKbField(text: string, name: string): number | undefined {
  const match = new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(text);
  return match ? Number(match[1]) : undefined;
}

function readProc(pid: number, file: string): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/${file}`, 'utf8');
  } catch {
    return undefined;
  }
}

export function readStat(pid: number): ProcStat | undefined {
  const text = readProc(pid, 'stat');
  return text === undefined ? undefined : parseStat(text);
}

/** Resident memory (VmRSS) in kB. */
export function readRssKb(pid: number): number | undefined {
  const text = readProc(pid, 'status');
  return text === undefined ? undefined : parseKbField(text, 'VmRSS');
}

/** Proportional set size in kB: shared pages split among the processes that map them. */
export function readPssKb(pid: number): number | undefined {
  const text = readProc(pid, 'smaps_rollup');
  return text === undefined ? undefined : parseKbField(text, 'Pss');
}

/** CPU seconds of each process that is still there. */
export function cpuSnapshot(pids: Iterable<number>): Map<number, number> {
  const seconds = new Map<number, number>();
  for (const pid of pids) {
    const stat = readStat(pid);
    if (stat) seconds.set(pid, stat.cpuSeconds);
  }
  return seconds;
}

/**
 * CPU seconds the processes `pids` spent between two snapshots; a process missing from
 * `before` started in between and counts from zero, one missing from `after` is not counted.
 */
export function cpuBetween(
  before: ReadonlyMap<number, number>,
  after: ReadonlyMap<number, number>,
  pids: Iterable<number> = after.keys(),
): number {
  let total = 0;
  for (const pid of pids) {
    const end = after.get(pid);
    if (end !== undefined) total += Math.max(0, end - (before.get(pid) ?? 0));
  }
  return total;
}

/** The socket inodes listening on `port` in the text of /proc/net/tcp or /proc/net/tcp6. */
export function parseListeningInodes(netTcp: string, port: number): string[] {
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  return netTcp
    .split('\n')
    .slice(1)
    .map((line) => line.trim().split(/\s+/))
    .filter((cols) => cols[1]?.endsWith(`:${hexPort}`) && cols[3] === '0A') // 0A = LISTEN
    .map((cols) => cols[9]!);
}

function allPids(): number[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .map(Number);
}

/** The process listening on TCP `port` of this machine, found through its socket's inode. */
export function pidListeningOn(port: number): number | undefined {
  const inodes = new Set(
    ['/proc/net/tcp', '/proc/net/tcp6'].flatMap((file) =>
      parseListeningInodes(readFileSync(file, 'utf8'), port),
    ),
  );
  if (inodes.size === 0) return undefined;
  for (const pid of allPids()) {
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      try {
        const target = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
        if (target && inodes.has(target[1]!)) return pid;
      } catch {
        // The descriptor closed while we looked.
      }
    }
  }
  return undefined;
}

/** The uid of a user in /etc/passwd, if there is one. */
function uidOf(user: string): number | undefined {
  const line = readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .find((entry) => entry.startsWith(`${user}:`));
  return line === undefined ? undefined : Number(line.split(':')[2]);
}

/** The Postgres server's processes: command `postgres`, owned by the user `postgres` when it exists. */
export function postgresServerPids(): number[] {
  const uid = uidOf('postgres');
  return allPids().filter((pid) => {
    if (readStat(pid)?.comm !== 'postgres') return false;
    if (uid === undefined) return true;
    const status = readProc(pid, 'status');
    return status !== undefined && new RegExp(`^Uid:\\s+${uid}\\s`, 'm').test(status);
  });
}

/** The postmaster among the server's processes: the one whose parent is not one of them. */
export function postmasterPid(serverPids: readonly number[]): number | undefined {
  const all = new Set(serverPids);
  return serverPids.find((pid) => !all.has(readStat(pid)?.ppid ?? -1));
}

/**
 * Total CPU seconds the Postgres server ever spent: each process's own time, plus the time of
 * the exited backends the postmaster reaped, so that a delta counts backends that came and went.
 */
export function postgresServerCpuSeconds(serverPids: readonly number[]): number {
  let total = 0;
  for (const pid of serverPids) {
    const stat = readStat(pid);
    if (stat) total += stat.cpuSeconds + stat.reapedChildrenCpuSeconds;
  }
  return total;
}
