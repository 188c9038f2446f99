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

  it("are the image's command, in the stage that runs", () => {
    const dockerfile = readFileSync('deploy/Dockerfile', 'utf8');
    const finalStage = dockerfile.split(/^FROM .*$/m).at(-1)!;
    expect(finalStage.match(/^CMD .*$/gm)).toEqual([
      `CMD ["sh", "-c", "exec node ${flags} dist/apps/$APP/src/main.js"]`,
    ]);
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
