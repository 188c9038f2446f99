import { Global, Module, type DynamicModule } from '@nestjs/common';
import { MetricsController } from './metrics.controller.js';
import { Metrics } from './metrics.js';

/**
 * Serves `GET /metrics` and exports the {@link Metrics} provider to every module (global), so a
 * module adds its own metrics with `@Inject(Metrics) metrics` and `registers: [metrics.registry]`.
 */
@Global()
@Module({})
export class ObservabilityModule {
  static register(metrics: Metrics): DynamicModule {
    return {
      module: ObservabilityModule,
      controllers: [MetricsController],
      providers: [{ provide: Metrics, useValue: metrics }],
      exports: [Metrics],
    };
  }
}
