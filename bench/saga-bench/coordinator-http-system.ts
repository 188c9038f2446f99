import { randomBytes } from 'node:crypto';
import { hashApiKey } from '../../apps/coordinator/src/security/api-keys.js';
import type { BenchEnvironment } from './bench-system.js';
import type { BenchChild } from './child-process.js';
import { CoordinatorSystem } from './coordinator-system.js';
import { HttpFrontDoor } from './http-front-door.js';
import type { FrontDoor } from './kafka-front-door.js';

/**
 * The coordinator started over HTTP: each saga is a `POST /sagas` with an API key, the way a
 * service that starts sagas calls it; the bench times each POST's answer as well as the saga.
 */
export class CoordinatorHttpSystem extends CoordinatorSystem {
  private readonly apiKey = randomBytes(24).toString('hex');

  constructor() {
    super('coordinator-http');
  }

  protected override async startEngine(
    environment: BenchEnvironment,
    kafkaEnv: Record<string, string>,
  ): Promise<BenchChild> {
    const keys = [
      { id: 'bench', client: 'bench', roles: ['start'], sha256: hashApiKey(this.apiKey) },
    ];
    return this.startCoordinator(environment, {
      ...kafkaEnv,
      AUTH_MODE: 'closed',
      API_KEYS: JSON.stringify(keys),
      // The bench is one client: its key may start as many sagas as the ladder asks for.
      RATE_LIMIT_PER_SECOND: '1000000',
      RATE_LIMIT_BURST: '1000000',
    });
  }

  protected override openFrontDoor(environment: BenchEnvironment, groupId: string): FrontDoor {
    return new HttpFrontDoor(
      environment.kafkaBrokers,
      this.topicPrefix,
      groupId,
      this.url,
      this.apiKey,
    );
  }
}
