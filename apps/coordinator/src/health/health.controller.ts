import { Controller, Get, HttpCode, HttpStatus, Inject, Res } from '@nestjs/common';
import type { Response } from 'express';
import { PublicRoute } from '../http/route-access.js';
import { READINESS_CHECKS, ReadinessProblem, type ReadinessCheck } from './readiness-check.js';

const CHECK_TIMEOUT_MS = 2_000;

/** Liveness and readiness for orchestrators; both stay open to unauthenticated callers. */
@Controller('health')
@PublicRoute()
export class HealthController {
  constructor(@Inject(READINESS_CHECKS) private readonly checks: ReadinessCheck[]) {}

  /** The process is up and its event loop turns. */
  @Get('live')
  @HttpCode(HttpStatus.OK)
  live(): { status: 'up' } {
    return { status: 'up' };
  }

  /** Every dependency answers: 200, else 503; each check is bounded by a timeout. */
  @Get('ready')
  async ready(
    @Res({ passthrough: true }) response: Response,
  ): Promise<{ status: string; checks: Record<string, string> }> {
    const results = await Promise.all(
      this.checks.map(async (check) => [check.name, await runBounded(check)] as const),
    );
    const healthy = results.every(([, result]) => result === 'up');
    response.status(healthy ? HttpStatus.OK : HttpStatus.SERVICE_UNAVAILABLE);
    return { status: healthy ? 'up' : 'down', checks: Object.fromEntries(results) };
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
