// deploy/Dockerfile cannot be built here (no Docker engine, no image registry): check what the
// image promises from its source: a non-root user by number, a health check that tells a live
// coordinator from a dead one, and a bill of materials listing what it ships (the console's
// bundled packages included; run after `npm run build`).
import { execFile, execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

const dockerfile = readFileSync('deploy/Dockerfile', 'utf8');
/** The instructions of the image's last stage (the one that runs), continuation lines joined. */
const finalStage = dockerfile
  .replaceAll(/\\\n\s*/g, ' ')
  .split(/^FROM .*$/m)
  .at(-1)!
  .split('\n')
  .filter((line) => line.trim() !== '' && !line.startsWith('#'));
const instruction = (name: string) => finalStage.filter((line) => line.startsWith(`${name} `));

describe('the container image (deploy/Dockerfile)', () => {
  it('runs as a non-root user given by number, so runAsNonRoot can check it', () => {
    const [user] = instruction('USER');
    expect(user).toMatch(/^USER [1-9]\d*:[1-9]\d*$/);
    expect(instruction('USER')).toHaveLength(1);
  });

  it('ships the bill of materials its deps stage produced, and the health check script', () => {
    expect(dockerfile).toContain('bash scripts/production-sbom.sh > sbom.cdx.json');
    expect(instruction('COPY')).toEqual(
      expect.arrayContaining([
        'COPY --from=deps /app/sbom.cdx.json ./sbom.cdx.json',
        'COPY deploy/image-healthcheck.mjs ./healthcheck.mjs',
      ]),
    );
    expect(instruction('HEALTHCHECK')).toEqual([
      expect.stringMatching(/HEALTHCHECK .*CMD \["node", "healthcheck\.mjs"\]$/),
    ]);
  });

  it('ships the operator console: the build stage builds dist/console, the image copies dist', () => {
    const manifest = JSON.parse(readFileSync('package.json', 'utf8')) as {
      scripts: Record<string, string>;
    };
    expect(manifest.scripts.build).toContain('node scripts/build-console.ts');
    expect(dockerfile).toMatch(/^COPY \. \.\nRUN npm run build$/m);
    expect(instruction('COPY')).toContain('COPY --from=build /app/dist ./dist');
  });

  it('lists exactly the packages of its production install in the CycloneDX SBOM', () => {
    // The deps stage's steps, on a copy of the manifest and lock file (npm's cache makes it quick).
    const dir = mkdtempSync(join(tmpdir(), 'image-deps-'));
    try {
      for (const file of ['package.json', 'package-lock.json']) copyFileSync(file, join(dir, file));
      const quiet = ['--no-audit', '--no-fund', '--loglevel=error', '--prefer-offline'];
      execFileSync('npm', ['ci', '--omit=dev', '--omit=optional', '--ignore-scripts', ...quiet], {
        cwd: dir,
        stdio: 'ignore',
      });
      const sbom = JSON.parse(
        execFileSync('bash', [resolve('scripts/production-sbom.sh'), dir], {
          encoding: 'utf8',
          maxBuffer: 64 << 20,
        }),
      ) as { bomFormat: string; components: SbomComponent[] };
      expect(sbom.bomFormat).toBe('CycloneDX');
      const bundledIn = (c: SbomComponent) =>
        c.properties?.find((p) => p.name === 'saga-coordinator:bundled-in')?.value;
      const listed = sbom.components
        .filter((c) => bundledIn(c) === undefined)
        .map((c) => `${c.name}@${c.version}`)
        .sort();
      // The console's script ships the code of the packages esbuild bundled into it (the build's
      // metafile, dist/console/bundled-packages.json): each is listed, and nothing else is.
      const bundled = JSON.parse(readFileSync('dist/console/bundled-packages.json', 'utf8')) as {
        name: string;
        version: string;
      }[];
      expect(bundled.length).toBeGreaterThan(0);
      const consoleListed = sbom.components.filter((c) => bundledIn(c) !== undefined);
      expect(consoleListed.map((c) => `${c.name}@${c.version}`).sort()).toEqual(
        bundled.map((p) => `${p.name}@${p.version}`).sort(),
      );
      expect(new Set(consoleListed.map(bundledIn))).toEqual(new Set(['dist/console/console.js']));
      expect(listed).toEqual(installedPackages(join(dir, 'node_modules')));
      const lock = JSON.parse(readFileSync('package-lock.json', 'utf8')) as {
        packages: Record<string, { version: string }>;
      };
      const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {
        dependencies: Record<string, string>;
        devDependencies: Record<string, string>;
      };
      for (const name of Object.keys(manifest.dependencies)) {
        expect(listed).toContain(`${name}@${lock.packages[`node_modules/${name}`]!.version}`);
      }
      expect(listed.filter((id) => /^(jest|typescript|eslint)@/.test(id))).toEqual([]);
      expect(Object.keys(manifest.devDependencies).length).toBeGreaterThan(0); // restored
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);

  describe('its health check', () => {
    let server: Server;
    let status = 200;
    beforeAll(async () => {
      server = createServer((request, response) => {
        response.statusCode = request.url === '/health/live' ? status : 404;
        response.end();
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    });
    afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

    /** The script's exit code (run asynchronously: the server answers from this process). */
    const check = (env: Record<string, string>) =>
      new Promise<number | null>((resolve) => {
        const child = execFile(process.execPath, ['deploy/image-healthcheck.mjs'], {
          env: { PATH: process.env.PATH ?? '', ...env },
          timeout: 10_000,
        });
        child.on('exit', (code) => resolve(code));
      });

    it('passes while the coordinator answers /health/live, and fails when it does not', async () => {
      const port = String((server.address() as AddressInfo).port);
      status = 200;
      expect(await check({ APP: 'coordinator', PORT: port })).toBe(0);
      status = 503;
      expect(await check({ APP: 'coordinator', PORT: port })).toBe(1);
      expect(await check({ APP: 'coordinator', PORT: '1' })).toBe(1); // nothing listens
    });

    it('passes for the sample participants, which serve no HTTP', async () => {
      expect(await check({ APP: 'sample-participants', PORT: '1' })).toBe(0);
    });
  });
});

/** What the test reads of a CycloneDX component. */
interface SbomComponent {
  readonly name: string;
  readonly version: string;
  readonly properties?: readonly { readonly name: string; readonly value: string }[];
}

/** `name@version` of every package under a node_modules folder, nested ones included, sorted. */
function installedPackages(nodeModules: string): string[] {
  const found = new Set<string>();
  const visit = (folder: string) => {
    for (const entry of safeList(folder)) {
      if (entry.startsWith('.')) continue;
      const dirs = entry.startsWith('@')
        ? safeList(join(folder, entry)).map((name) => join(folder, entry, name))
        : [join(folder, entry)];
      for (const dir of dirs) {
        const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {
          name: string;
          version: string;
        };
        found.add(`${pkg.name}@${pkg.version}`);
        visit(join(dir, 'node_modules'));
      }
    }
  };
  visit(nodeModules);
  return [...found].sort();
}

function safeList(folder: string): string[] {
  try {
    return readdirSync(folder);
  } catch {
    return [];
  }
}
