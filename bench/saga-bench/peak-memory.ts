/** A memory reading in kB, or undefined when it cannot be read (the process is gone). */
export type MemoryProbe = () => number | undefined;

/** A memory reading of one process, in kB. */
export type MemoryProbeOf = (pid: number) => number | undefined;

/** A running sampler; `stop` ends it and gives the peak of each probe in MB (null: never read). */
export interface PeakSampler {
  stop(): Record<string, number | null>;
}

/** Reads every probe now and then every `intervalMs` (default 250), keeping each one's peak. */
export function samplePeaks(
  probes: Readonly<Record<string, MemoryProbe>>,
  intervalMs = 250,
): PeakSampler {
  const peaksKb = new Map<string, number>();
  const sample = () => {
    for (const [name, probe] of Object.entries(probes)) {
      const kb = probe();
      if (kb !== undefined && kb > (peaksKb.get(name) ?? -1)) peaksKb.set(name, kb);
    }
  };
  sample();
  const timer = setInterval(sample, intervalMs);
  return {
    stop() {
      clearInterval(timer);
      sample();
      return Object.fromEntries(
        Object.keys(probes).map((name) => {
          const kb = peaksKb.get(name);
          return [name, kb === undefined ? null : kb / 1024];
        }),
      );
    },
  };
}

/** The sum of a reading over processes, undefined when none of them could be read. */
export function sumOver(pids: () => readonly number[], read: MemoryProbeOf): MemoryProbe {
  return () => {
    let total: number | undefined;
    for (const pid of pids()) {
      const kb = read(pid);
      if (kb !== undefined) total = (total ?? 0) + kb;
    }
    return total;
  };
}
