// docs/ARCHITECTURE.md walks a reader through the files: every path it names must exist, so the
// document cannot drift from the tree unnoticed.
import { existsSync, readFileSync } from 'node:fs';

/** The repository paths a Markdown text names in code spans: `apps/...`, `libs/...`, etc. */
export function namedPaths(markdown: string): string[] {
  const roots = /^(apps|libs|test|docs|bench|deploy|scripts)\//;
  const spans = [...markdown.matchAll(/`([^`\s]+)`/g)].map((match) => match[1]!);
  return [...new Set(spans.filter((span) => roots.test(span) || span === 'eslint.config.js'))];
}

describe('docs/ARCHITECTURE.md', () => {
  const paths = namedPaths(readFileSync('docs/ARCHITECTURE.md', 'utf8'));

  it('names the files of the journey', () => {
    expect(paths.length).toBeGreaterThan(30);
  });

  it('names only paths that exist', () => {
    expect(paths.filter((path) => !existsSync(path))).toEqual([]);
  });

  it('would catch a path that does not exist', () => {
    const planted = namedPaths('see `apps/coordinator/src/nowhere.ts` and `libs/saga-core/src/`');
    expect(planted.filter((path) => !existsSync(path))).toEqual([
      'apps/coordinator/src/nowhere.ts',
    ]);
  });
});
