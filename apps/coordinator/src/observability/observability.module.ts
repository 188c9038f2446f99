import { Module } from '@nestjs/common';
import { MetricsController } from './metrics.controller.js';

/**
 * Serves `GET /metrics` from the {@link Metrics} registry the core module provides to every
 * module: a module adds its own metrics with `@Inject(Metrics) metrics` and
 * `registers: [metrics.registry]`.
 */
@Module({ controllers: [MetricsController] })
export class ObservabilityModule {}
