// Headless Chromium (Debian's chromium, driven by playwright-core) for the console's
// end-to-end test: a fresh profile per run, screenshots kept as test results, and axe-core's
// accessibility check of a page.
import { accessSync, constants, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

/**
 * The browser the tests drive, found as CI finds it (.ci/run): `CHROMIUM_PATH` when set, else
 * `chromium` on PATH (what `command -v chromium` finds), else Debian's /usr/bin/chromium.
 * Throws when there is none: the console's test fails, it is never skipped.
 */
export function chromiumPath(env: NodeJS.ProcessEnv = process.env): string {
  const configured = env.CHROMIUM_PATH;
  if (configured !== undefined && configured !== '') {
    if (!isExecutable(configured)) {
      throw new Error(`CHROMIUM_PATH=${configured} is not an executable file`);
    }
    return configured;
  }
  const onPath = (env.PATH ?? '')
    .split(delimiter)
    .filter((folder) => folder !== '')
    .map((folder) => join(folder, 'chromium'))
    .find(isExecutable);
  if (onPath !== undefined) return onPath;
  if (isExecutable('/usr/bin/chromium')) return '/usr/bin/chromium';
  throw new Error(
    'no Chromium for the console test: set CHROMIUM_PATH, put `chromium` on PATH, or install ' +
      "Debian's chromium package (.ci/run does)",
  );
}

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return statSync(file).isFile();
  } catch {
    return false;
  }
}

/** Where the screenshots go: a results folder (coverage/ is not checked in). */
export const SCREENSHOTS_DIR = 'coverage/console-screenshots';

/** A browser with its own profile folder, removed by `close`. */
export interface ConsoleBrowser {
  readonly context: BrowserContext;
  readonly page: Page;
  close(): Promise<void>;
}

/**
 * Starts headless Chromium on a fresh profile, with axe-core loaded into every page before the
 * page's own script (an init script of the browser's, which the page's Content-Security-Policy
 * does not apply to: the console runs under its real policy).
 */
export async function launchConsoleBrowser(): Promise<ConsoleBrowser> {
  const executablePath = chromiumPath();
  const profile = mkdtempSync(join(tmpdir(), 'console-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath,
    headless: true,
    viewport: { width: 1280, height: 900 },
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  await context.addInitScript({ path: join('node_modules', 'axe-core', 'axe.min.js') });
  const page = context.pages()[0] ?? (await context.newPage());
  return {
    context,
    page,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** Saves a full-page screenshot as `<name>.png` under {@link SCREENSHOTS_DIR}. */
export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS_DIR, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS_DIR, `${name}.png`), fullPage: true });
}

/** One rule axe-core found broken, with the elements that break it. */
export interface AxeViolation {
  readonly id: string;
  readonly impact: string | null;
  readonly help: string;
  readonly targets: readonly string[];
}

/** The `serious` and `critical` violations axe-core finds on the page as it is now. */
export async function seriousA11yViolations(page: Page): Promise<AxeViolation[]> {
  return page.evaluate(async () => {
    // In the page: axe-core's global, run on the whole document.
    const { axe } = globalThis as unknown as { axe: { run: () => Promise<AxeResults> } };
    const results = await axe.run();
    return results.violations
      .filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
      .map((violation) => ({
        id: violation.id,
        impact: violation.impact,
        help: violation.help,
        targets: violation.nodes.map((node) => node.target.join(' ')),
      }));
  });
}

/** The part of axe-core's results the check reads. */
interface AxeResults {
  readonly violations: readonly {
    readonly id: string;
    readonly impact: string | null;
    readonly help: string;
    readonly nodes: readonly { readonly target: readonly string[] }[];
  }[];
}
