/**
 * `--help` for every script: imported first, so it runs before the script's own imports and
 * work. It prints the script's opening doc comment (where each script says what it does and
 * how to call it) and exits. tests/documented-commands.test.ts runs every script the docs name
 * this way, so a documented command that does not exist, or does not start, fails CI.
 */
import { readFileSync } from 'node:fs';

if (process.argv.includes('--help') || process.argv.includes('-h')) {
  const file = process.argv[1];
  const doc = /^\s*\/\*\*([\s\S]*?)\*\//.exec(readFileSync(file, 'utf8'))?.[1] ?? '';
  const text = doc
    .split('\n')
    .map((line) => line.replace(/^\s*\* ?/, ''))
    .join('\n')
    .trim();
  console.log(text || `${file}: no usage written`);
  process.exit(0);
}
