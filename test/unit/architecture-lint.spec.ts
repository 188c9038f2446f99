import { jest } from '@jest/globals';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

// Each case runs eslint in a process of its own: seconds, many more on a busy machine. The
// verdict is its exit code and output; no case is meant to be bounded by the clock.
jest.setTimeout(300_000);

const run = promisify(execFile);
const eslint = 'node_modules/eslint/bin/eslint.js';

/** Lints `source` as if it were a file at `filePath`; resolves with the exit code and output. */
async function lint(source: string, filePath: string): Promise<{ code: number; output: string }> {
  const child = run(process.execPath, [eslint, '--stdin', '--stdin-filename', filePath], {
    cwd: process.cwd(),
  });
  child.child.stdin?.end(source);
  try {
    const { stdout } = await child;
    return { code: 0, output: stdout };
  } catch (error) {
    const failed = error as { code: number; stdout: string };
    return { code: failed.code, output: failed.stdout };
  }
}

describe('the purity rule of libs/saga-core', () => {
  it.each([
    ['kafkajs', "import 'kafkajs';\n"],
    ['@nestjs/common', "import { Injectable } from '@nestjs/common';\nexport { Injectable };\n"],
    ['node:fs', "import { readFile } from 'node:fs';\nexport { readFile };\n"],
    ['crypto', "import { randomUUID } from 'crypto';\nexport { randomUUID };\n"],
    ['pg', "import { Pool } from 'pg';\nexport { Pool };\n"],
  ])('refuses an import of %s', async (name, source) => {
    const result = await lint(source, 'libs/saga-core/src/deliberate-violation.ts');
    expect(result.code).toBe(1);
    expect(result.output).toContain(`'${name}' import is restricted`);
  });

  it('refuses reading the clock or drawing random numbers', async () => {
    const source = 'export const t = Date.now() + Math.random() + new Date().getTime();\n';
    const result = await lint(source, 'libs/saga-core/src/deliberate-violation.ts');
    expect(result.code).toBe(1);
    expect(result.output).toContain('the time arrives on the event');
    expect(result.output).toContain('random draws arrive on the event');
  });

  it('allows the same import in the adapter library, libs/messaging', async () => {
    const result = await lint("import 'kafkajs';\n", 'libs/messaging/src/deliberate-ok.ts');
    expect(result.output).not.toContain('is restricted');
    expect(result.code).toBe(0);
  });
});

describe('the coordinator and its samples', () => {
  const source =
    "import { startSampleParticipants } from '../../../sample-participants/src/sample-participants.js';\nexport { startSampleParticipants };\n";

  it('refuses an import of the sample participants inside the coordinator', async () => {
    const result = await lint(source, 'apps/coordinator/src/runtime/deliberate-violation.ts');
    expect(result.code).toBe(1);
    expect(result.output).toContain('The coordinator does not import its samples');
  });

  it('lets the entry point compose them', async () => {
    const result = await lint(
      "import { sampleParticipantsCompanion } from '../../sample-participants/src/embedded-companion.js';\nexport { sampleParticipantsCompanion };\n",
      'apps/coordinator/src/main.ts',
    );
    expect(result.output).not.toContain('does not import its samples');
  });
});

describe('the Kafka client', () => {
  it.each([
    'apps/coordinator/src/outbox/deliberate-violation.ts',
    'apps/coordinator/src/main.ts',
    'apps/sample-participants/src/deliberate-violation.ts',
    'libs/saga-participant/src/deliberate-violation.ts',
  ])('is imported nowhere but libs/messaging, not in %s', async (file) => {
    const result = await lint("import { Kafka } from 'kafkajs';\nexport { Kafka };\n", file);
    expect(result.code).toBe(1);
    expect(result.output).toContain('the one place that imports kafkajs');
  });
});

describe('the database driver in the coordinator', () => {
  it.each([
    ['typeorm', 'apps/coordinator/src/decisions/deliberate-violation.ts'],
    ['pg', 'apps/coordinator/src/outbox/deliberate-violation.ts'],
    ['typeorm', 'apps/coordinator/src/main.ts'],
  ])('refuses an import of %s in %s', async (name, file) => {
    const result = await lint(`import * as driver from '${name}';\nexport { driver };\n`, file);
    expect(result.code).toBe(1);
    expect(result.output).toContain('through the Database port of #postgres');
  });

  it.each([
    'apps/coordinator/src/persistence/deliberate-violation.ts',
    'apps/coordinator/src/migrate.ts',
  ])('lets the migrations use TypeORM, in %s', async (file) => {
    const result = await lint(
      "import { DataSource } from 'typeorm';\nexport { DataSource };\n",
      file,
    );
    expect(result.output).not.toContain('through the Database port of #postgres');
  });
});

describe('the libraries and the samples', () => {
  it.each([
    ['libs/saga-participant/src/deliberate-violation.ts', '../../../apps/coordinator/src/x.js'],
    ['libs/messaging/src/deliberate-violation.ts', '../../../apps/coordinator/src/x.js'],
    ['libs/saga-core/src/deliberate-violation.ts', '../../../apps/sample-participants/src/x.js'],
    ['apps/sample-participants/src/deliberate-violation.ts', '../../coordinator/src/config/x.js'],
  ])('do not import an app: %s from %s', async (file, target) => {
    const result = await lint(`import { x } from '${target}';\nexport { x };\n`, file);
    expect(result.code).toBe(1);
    expect(result.output).toContain('what two apps share lives in libs/');
  });

  it('import the shared libraries by their aliases', async () => {
    const source = "import { KafkaTransport } from '#messaging';\nexport { KafkaTransport };\n";
    const result = await lint(source, 'apps/sample-participants/src/deliberate-ok.ts');
    expect(result.output).not.toContain('is restricted');
    expect(result.code).toBe(0);
  });
});

describe('the conformance kit', () => {
  it.each([
    "import { startParticipantRuntime } from '#saga-participant';\nexport { startParticipantRuntime };\n",
    "import { SHIPPING } from '../../sample-participants/src/shipping.handlers.js';\nexport { SHIPPING };\n",
  ])('judges participants from outside: refuses %s', async (source) => {
    const result = await lint(source, 'apps/conformance/src/deliberate-violation.ts');
    expect(result.code).toBe(1);
    expect(result.output).toContain('judges participants from outside');
  });

  it('reads the saga definitions through libs/definitions, not from the coordinator', async () => {
    const ok = await lint(
      "import { definitionsFolder } from '#definitions';\nexport { definitionsFolder };\n",
      'apps/conformance/src/deliberate-ok.ts',
    );
    expect(ok.code).toBe(0);
    const app = await lint(
      "import { SAMPLE_SAGAS } from '../../coordinator/src/sagas/saga-catalog.js';\nexport { SAMPLE_SAGAS };\n",
      'apps/conformance/src/deliberate-violation.ts',
    );
    expect(app.code).toBe(1);
    expect(app.output).toContain('does not import an app');
  });
});

describe('sagactl, the operator CLI', () => {
  it.each([
    "import { KafkaTransport } from '#messaging';\nexport { KafkaTransport };\n",
    "import { PoolDatabase } from '#postgres';\nexport { PoolDatabase };\n",
    "import { Injectable } from '@nestjs/common';\nexport { Injectable };\n",
  ])('speaks the HTTP API only: refuses %s', async (source) => {
    const result = await lint(source, 'apps/sagactl/src/deliberate-violation.ts');
    expect(result.code).toBe(1);
    expect(result.output).toContain('sagactl is a client of the HTTP API');
  });

  it('imports no app, not even the coordinator for its answer types', async () => {
    const source =
      "import type { SagaView } from '../../coordinator/src/application/saga-queries.js';\nexport type { SagaView };\n";
    const result = await lint(source, 'apps/sagactl/src/deliberate-violation.ts');
    expect(result.code).toBe(1);
    expect(result.output).toContain('does not import an app');
  });

  it('may use node built-ins and the YAML reader', async () => {
    const source =
      "import { parse } from 'yaml';\nimport { readFileSync } from 'node:fs';\nexport { parse, readFileSync };\n";
    const result = await lint(source, 'apps/sagactl/src/deliberate-ok.ts');
    expect(result.output).not.toContain('is restricted');
    expect(result.code).toBe(0);
  });
});

describe('the operator console, in the browser', () => {
  it.each([
    "import { topicNames } from '#contracts';\nexport { topicNames };\n",
    "import { readFile } from 'node:fs';\nexport { readFile };\n",
  ])('speaks the HTTP API only, without Node: refuses %s', async (source) => {
    const result = await lint(source, 'apps/console/src/deliberate-violation.ts');
    expect(result.code).toBe(1);
    expect(result.output).toMatch(/The console (is a client of the HTTP API|runs in the browser)/);
  });

  it('may use Preact and the graph layout', async () => {
    const source =
      "import { render } from 'preact';\nimport dagre from '@dagrejs/dagre';\nexport { render, dagre };\n";
    const result = await lint(source, 'apps/console/src/deliberate-ok.ts');
    expect(result.output).not.toContain('is restricted');
    expect(result.code).toBe(0);
  });
});
