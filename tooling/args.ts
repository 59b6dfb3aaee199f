/**
 * Command-line flags for every script, one way: node:util's parseArgs, strict, so an unknown or
 * misspelt flag is refused rather than ignored, and `--seeds 0,1` means the same as `--seeds=0,1`.
 * A bad command line exits with status 2 and says what was wrong and where the usage is.
 */
import { basename } from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { METHOD_IDS, type MethodId } from '../src/methods/catalog';

type Options = NonNullable<ParseArgsConfig['options']>;

/** Parses `argv` against `options` (strict); throws an Error naming the bad flag. */
export function parseFlags<const O extends Options>(argv: readonly string[], options: O, allowPositionals = false) {
  try {
    return parseArgs({ args: [...argv], options, strict: true, allowPositionals });
  } catch (e) {
    throw new Error(plainMessage((e as Error).message));
  }
}

/** Node's parse errors, shortened to the flag and what is wrong with it. */
function plainMessage(message: string): string {
  const unknown = /^Unknown option '([^']+)'/.exec(message);
  if (unknown) return `unknown option ${unknown[1]}`;
  const missing = /^Option '(--[\w-]+)[^']*' argument (missing|is ambiguous)/.exec(message);
  if (missing) return `${missing[1]} needs a value`;
  const positional = /^Unexpected argument '([^']+)'/.exec(message);
  if (positional) return `unexpected argument '${positional[1]}'`;
  return message.split('\n')[0];
}

/** This script's flags from process.argv, or exit 2 with the reason. */
export function cliFlags<const O extends Options>(options: O, allowPositionals = false) {
  try {
    return parseFlags(process.argv.slice(2), options, allowPositionals);
  } catch (e) {
    const script = basename(process.argv[1] ?? 'script');
    console.error(`${script}: ${(e as Error).message} (run it with --help for the usage)`);
    process.exit(2);
  }
}

/** A comma-separated list flag: 'a, b,,c' -> ['a', 'b', 'c']. */
export const list = (s: string): string[] =>
  s
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean);

/** A --methods list of catalogued method ids, or an Error naming the unknown one and the choices. */
/** A comma list of `allowed` words, or an Error naming the flag and the word. */
export function listFlag<const T extends string>(flag: string, raw: string, allowed: readonly T[]): T[] {
  const words = list(raw);
  for (const w of words) if (!(allowed as readonly string[]).includes(w)) throw new Error(`--${flag}: unknown ${w} (one of ${allowed.join(', ')})`);
  return words as T[];
}

export const methodList = (raw: string): MethodId[] => listFlag('methods', raw, METHOD_IDS);

/** An integer flag at least `min`, or an Error naming the flag and the value. */
export function intFlag(name: string, raw: string, min: number): number {
  const n = Number(raw);
  if (raw.trim() === '' || !Number.isInteger(n) || n < min) throw new Error(`--${name}=${raw}: expected an integer >= ${min}`);
  return n;
}
