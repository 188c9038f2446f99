import {
  Controller,
  Get,
  HttpCode,
  HttpStatus,
  Inject,
  Res,
  type OnApplicationShutdown,
} from '@nestjs/common';
import type { Response } from 'express';
import { PublicRoute } from '../http/route-access.js';
import { READINESS_CHECKS, ReadinessProblem, type ReadinessCheck } from './readiness-check.js';
import { sharedProbe } from './shared-probe.js';

const CHECK_TIMEOUT_MS = 2_000;

/** Liveness and readiness for orchestrators; both stay open to unauthenticated callers. */
@Controller('health')
@PublicRoute()
export class HealthController implements OnApplicationShutdown {
  /** The checks through their shared probes: any number of callers, one probe at a time. */
  private readonly probes: readonly ReadinessCheck[];

  constructor(@Inject(READINESS_CHECKS) private readonly checks: ReadinessCheck[]) {
    this.probes = checks.map(sharedProbe);
  }

  /** The process is up and its event loop turns. */
  @Get('live')
  @HttpCode(HttpStatus.OK)
  live(): { status: 'up' } {
    return { status: 'up' };
  }

  /**
   * Every dependency answers: 200, else 503. Each check is bounded by a timeout, and its result
   * may be up to PROBE_RESULT_REUSE_MS old (shared-probe.ts).
   */
  @Get('ready')
  async ready(
    @Res({ passthrough: true }) response: Response,
  ): Promise<{ status: string; checks: Record<string, string> }> {
    const results = await Promise.all(
      this.probes.map(async (probe) => [probe.name, await runBounded(probe)] as const),
    );
    const healthy = results.every(([, result]) => result === 'up');
    response.status(healthy ? HttpStatus.OK : HttpStatus.SERVICE_UNAVAILABLE);
    return { status: healthy ? 'up' : 'down', checks: Object.fromEntries(results) };
  }

  /** Closes what the checks keep open (the broker probe's connection) once HTTP has stopped. */
  async onApplicationShutdown(): Promise<void> {
    await Promise.allSettled(this.checks.map((check) => check.close?.()));
  }
}

/** Runs one check with a timeout; answers 'up' or 'down: <reason>' without leaking details. */
async function runBounded(check: ReadinessCheck): Promise<string> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('timed out')), CHECK_TIMEOUT_MS);
  });
  try {
    await Promise.race([check.check(), timeout]);
    return 'up';
  } catch (error) {
    if (error instanceof ReadinessProblem) return `down: ${error.message}`;
    return `down: ${error instanceof Error && error.message === 'timed out' ? 'timed out' : 'unreachable'}`;
  } finally {
    clearTimeout(timer);
  }
}
