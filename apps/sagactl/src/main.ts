#!/usr/bin/env node
// sagactl, the operator's CLI of the saga coordinator, over its HTTP API. `sagactl --help`
// lists the commands, options and exit codes; docs/CLI.md describes them with examples.
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { text } from 'node:stream/consumers';
import { setTimeout as sleep } from 'node:timers/promises';
import { exitWhenOutputCloses } from './closed-output.js';
import { runSagactl } from './sagactl.js';

// A reader that stops early (`sagactl list | head`): nothing to write on for; exit 141, as a
// shell reports a command a closed pipe ended (never 0, `watch`'s "completed").
exitWhenOutputCloses(process.stdout, (code) => process.exit(code));

process.exitCode = await runSagactl(process.argv.slice(2), {
  env: process.env,
  homeDir: homedir(),
  isTty: process.stdout.isTTY === true,
  io: {
    print: (line) => process.stdout.write(`${line}\n`),
    warn: (line) => process.stderr.write(`${line}\n`),
    readText: (path) => readFileSync(path, 'utf8'),
    readStdin: () => text(process.stdin),
    sleep: (ms) => sleep(ms),
    now: () => performance.now(),
  },
});
