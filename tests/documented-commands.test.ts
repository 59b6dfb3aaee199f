/**
 * Every command README.md and docs/ tell a reader to type exists and starts (issue 19): each
 * `npm run X` / `npm start` / `npm test` is a package.json script, each `npx tsx scripts/Y` is a
 * file, and every script that runs through tsx answers `--help` with its usage (exit 0, before
 * any work; scripts/help.ts). A renamed script or a doc that names one that never existed fails here.
 */
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const root = join(__dirname, '..');
const run = promisify(execFile);

function markdownFiles(dir: string): string[] {
  return readdirSync(join(root, dir), { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? markdownFiles(join(dir, e.name)) : e.name.endsWith('.md') ? [join(dir, e.name)] : [],
  );
}

const docs = ['README.md', ...markdownFiles('docs')].map((file) => ({ file, text: readFileSync(join(root, file), 'utf8') }));
const scripts: Record<string, string> = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).scripts;

/** [first group, file] for every match of `pattern` in the docs. */
const mentions = (pattern: RegExp) => docs.flatMap(({ file, text }) => [...text.matchAll(pattern)].map((m) => [m[1], file] as const));

const npmNames = docs.flatMap(({ file, text }) => [...text.matchAll(/\bnpm (?:run ([\w:-]+)|(start|test)\b)/g)].map((m) => ({ name: m[1] ?? m[2], file })));
const tsxFiles = mentions(/\bnpx tsx (scripts\/[\w./-]+\.ts)/g);

/** The tsx entry point an npm script runs, if it runs one. */
const tsxEntry = (command: string) => /\btsx (scripts\/[\w./-]+\.ts)/.exec(command)?.[1];

describe('documented commands', () => {
  it('the docs name commands at all (the patterns still match how the docs write them)', () => {
    expect(npmNames.length).toBeGreaterThan(20);
    expect(new Set(npmNames.map((n) => n.name))).toContain('reproduce');
    expect(tsxFiles.length).toBeGreaterThan(3);
  });

  it('every `npm run X`, `npm start` and `npm test` in README.md and docs/ is a package.json script', () => {
    const missing = npmNames.filter(({ name }) => !(name in scripts)).map(({ name, file }) => `npm run ${name} (${file})`);
    expect(missing).toEqual([]);
  });

  it('every `npx tsx scripts/...` in README.md and docs/ is a file', () => {
    const missing = tsxFiles.filter(([path]) => !existsSync(join(root, path))).map(([path, file]) => `${path} (${file})`);
    expect(missing).toEqual([]);
  });

  const entries = [
    ...new Set([...tsxFiles.map(([path]) => path), ...npmNames.map(({ name }) => tsxEntry(scripts[name] ?? '')).filter((p): p is string => !!p)]),
  ].sort();

  it.each(entries)('%s --help prints its usage and exits 0', { timeout: 60_000 }, async (path) => {
    const { stdout } = await run(join(root, 'node_modules/.bin/tsx'), [path, '--help'], { cwd: root, timeout: 50_000 });
    // The usage is the script's own opening doc comment: its first line, at least.
    const firstLine = /^\s*\/\*\*\s*\n?\s*\*?\s*(.+)/.exec(readFileSync(join(root, path), 'utf8'))?.[1].trim() ?? '';
    expect(firstLine.length).toBeGreaterThan(10);
    expect(stdout).toContain(firstLine.slice(0, 40));
  });
});
