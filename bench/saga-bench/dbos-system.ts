import pg from 'pg';
import type { BenchEnvironment, BenchProcess, BenchSystem, SagaEnd } from './bench-system.js';
import { forkReady, type BenchChild } from './child-process.js';
import type { DbosEnds, DbosStarts } from './dbos-process.js';

const here = new URL('.', import.meta.url).pathname;

/**
 * The peer: the bench saga as a DBOS Transact workflow (see dbos-process.ts), in one process
 * whose system database is a database of its own on the shared Postgres server. Starts go to
 * it over IPC, one message per event-loop turn, and its ends come back the same way. No Kafka.
 */
export class DbosSystem implements BenchSystem {
  readonly name = 'dbos';
  private app: BenchChild | undefined;
  private databaseUrl = '';
  private systemDatabase = '';
  private starts: [string, boolean][] = [];
  private listener: (key: string, end: SagaEnd) => void = () => undefined;

  /** @param extraEnv set on top of the defaults, e.g. `DBOS_POOL_SIZE`. */
  constructor(private readonly extraEnv: Record<string, string> = {}) {}

  async setup(environment: BenchEnvironment): Promise<void> {
    this.databaseUrl = environment.databaseUrl;
    this.systemDatabase = `bench_dbos_${environment.runId}`;
    // DBOS creates its system database on launch; one left by an aborted run would not be clean.
    await this.dropSystemDatabase();
    this.app = await forkReady(`${here}dbos-process.js`, {
      DATABASE_URL: environment.databaseUrl,
      DBOS_SYSTEM_DATABASE: this.systemDatabase,
      ...this.extraEnv,
    });
    this.app.child.on('message', (message: DbosEnds) => {
      for (const [key, end] of message.ends) this.listener(key, end);
    });
  }

  start(key: string, fail: boolean): void {
    if (this.starts.length === 0) setImmediate(() => this.flushStarts());
    this.starts.push([key, fail]);
  }

  onEnd(listener: (key: string, end: SagaEnd) => void): void {
    this.listener = listener;
  }

  processes(): readonly BenchProcess[] {
    return [{ role: 'dbos app', pid: this.app!.pid }];
  }

  topics(): readonly string[] {
    return [];
  }

  async teardown(): Promise<void> {
    await this.app?.stop();
    if (this.systemDatabase !== '') await this.dropSystemDatabase();
  }

  private flushStarts(): void {
    const message: DbosStarts = { starts: this.starts };
    this.starts = [];
    this.app!.child.send(message);
  }

  private async dropSystemDatabase(): Promise<void> {
    const db = new pg.Client({ connectionString: this.databaseUrl });
    await db.connect();
    try {
      await db.query(
        `DROP DATABASE IF EXISTS ${db.escapeIdentifier(this.systemDatabase)} WITH (FORCE)`,
      );
    } finally {
      await db.end();
    }
  }
}
