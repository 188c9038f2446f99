import { Controller, Get, Header, Inject, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { PublicRoute } from '../http/route-access.js';
import { Metrics } from './metrics.js';

/**
 * `GET /metrics`: the Prometheus exposition of the coordinator's registry. Open like health, for
 * scrapers: it holds counts and names of saga types, steps and participants, never saga data.
 */
@ApiExcludeController()
@PublicRoute()
@Controller('metrics')
export class MetricsController {
  constructor(@Inject(Metrics) private readonly metrics: Metrics) {}

  @Get()
  @Header('cache-control', 'no-store')
  async scrape(@Res() response: Response): Promise<void> {
    const { contentType, body } = await this.metrics.scrape();
    response.type(contentType).send(body);
  }
}
