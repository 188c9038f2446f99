import { readFileSync, writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';

/** What one measured stretch of work cost this process. */
export interface Cost {
  readonly seconds: number;
  /** User + system CPU of the whole process (every thread: GC, libuv pool), in µs. */
  readonly cpuMicros: number;
  /** Highest resident set size during the stretch, in MB (see startMeter). */
  readonly peakRssMb: number;
}

export interface Meter {
  stop(): Cost;
}

/**
 * Starts measuring wall time, CPU and peak RSS. The peak is the kernel's VmHWM, reset at the
 * start by writing 5 to /proc/self/clear_refs (Linux ≥ 4.0), so it covers this stretch only;
 * where that reset is refused, RSS is sampled every 50 ms instead.
 */
export function startMeter(): Meter {
  const hwmReset = resetPeakRss();
  let sampledPeak = process.memoryUsage.rss();
  const sampler = hwmReset
    ? undefined
    : setInterval(() => (sampledPeak = Math.max(sampledPeak, process.memoryUsage.rss())), 50);
  const cpu = process.cpuUsage();
  const started = performance.now();
  return {
    stop() {
      const seconds = (performance.now() - started) / 1000;
      const used = process.cpuUsage(cpu);
      clearInterval(sampler);
      const peakBytes = hwmReset
        ? (readPeakRssKb() ?? 0) * 1024
        : Math.max(sampledPeak, process.memoryUsage.rss());
      return { seconds, cpuMicros: used.user + used.system, peakRssMb: peakBytes / 1_048_576 };
    },
  };
}

function resetPeakRss(): boolean {
  try {
    writeFileSync('/proc/self/clear_refs', '5');
    return readPeakRssKb() !== undefined;
  } catch {
    return false;
  }
}

function readPeakRssKb(): number | undefined {
  const match = /^VmHWM:\s+(\d+)/m.exec(readFileSync('/proc/self/status', 'utf8'));
  return match ? Number(match[1]) : undefined;
}
