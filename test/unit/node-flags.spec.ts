// The coordinator's Node.js flags are one list (node-flags.ts): `npm start` and the image must
// pass the same ones (the Kubernetes Deployment is checked in kubernetes-manifests.spec.ts, the
// bench imports the list).
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { COORDINATOR_NODE_FLAGS } from '../../apps/coordinator/src/runtime/node-flags.js';

const flags = COORDINATOR_NODE_FLAGS.join(' ');

describe("the coordinator's Node.js flags", () => {
  it('are passed by npm start, before the entry point', () => {
    const { scripts } = JSON.parse(readFileSync('package.json', 'utf8')) as {
      scripts: Record<string, string>;
    };
    expect(scripts.start).toContain(`node ${flags} dist/apps/coordinator/src/main.js`);
  });

  it("are the image's command when it runs the coordinator, and only then", () => {
    const dockerfile = readFileSync('deploy/Dockerfile', 'utf8');
    const [cmd, ...others] =
      dockerfile
        .split(/^FROM .*$/m)
        .at(-1)!
        .match(/^CMD .*$/gm) ?? [];
    expect(others).toEqual([]);
    const script = (JSON.parse(cmd!.slice('CMD '.length)) as string[]).at(-1)!;
    const run = (app: string) =>
      execFileSync('sh', ['-c', script.replace('exec node', 'echo node')], {
        encoding: 'utf8',
        env: { ...process.env, APP: app },
      }).trim();
    expect(run('coordinator')).toBe(`node ${flags} dist/apps/coordinator/src/main.js`);
    expect(run('sample-participants')).toBe('node dist/apps/sample-participants/src/main.js');
  });

  it('are flags this Node.js accepts', () => {
    expect(COORDINATOR_NODE_FLAGS.length).toBeGreaterThan(0);
    // Node exits at once, naming the flag, when it does not know one.
    const output = execFileSync(process.execPath, [...COORDINATOR_NODE_FLAGS, '-p', '"ok"'], {
      encoding: 'utf8',
    });
    expect(output.trim()).toBe('ok');
  });
});
