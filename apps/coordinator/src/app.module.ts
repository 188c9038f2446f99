import { Module, type DynamicModule } from '@nestjs/common';
import type { CoordinatorConfig } from './config/coordinator-config.js';
import { brokerReadiness, databaseReadiness } from './health/dependency-checks.js';
import { HealthController } from './health/health.controller.js';
import { READINESS_CHECKS, type ReadinessCheck } from './health/readiness-check.js';

/** The coordinator's root module, built from a validated configuration. */
@Module({})
export class AppModule {
  static forConfig(config: CoordinatorConfig): DynamicModule {
    const checks: ReadinessCheck[] = [];
    if (config.databaseUrl) checks.push(databaseReadiness(config.databaseUrl));
    if (config.kafkaBrokers) checks.push(brokerReadiness(config.kafkaBrokers));
    return {
      module: AppModule,
      controllers: [HealthController],
      providers: [{ provide: READINESS_CHECKS, useValue: checks }],
    };
  }
}
