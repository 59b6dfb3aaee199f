/**
 * Command-line arguments of `npm run reproduce` and `npm run merge`, parsed
 * with messages that name the bad argument (a reviewer's typo should not cost
 * an hour of runs). Pure, so tests/reproduce-args.test.ts checks it.
 */
import { PRESET_IDS } from '../src/train/experimentPresets';

export interface ReproduceArgs {
  preset: string;
  out: string;
  backend?: 'webgpu' | 'wasm' | 'cpu';
  seeds?: number;
  /** [index, count] from `--shard i/n`, i in 0..n-1 (Kubernetes indexed jobs count from 0; with Slurm use --array=0-(n-1)). */
  shard?: [number, number];
  build: boolean;
  port: number;
}

export const REPRODUCE_USAGE =
  'usage: npm run reproduce -- --preset <name> --out <dir> [--backend webgpu|wasm|cpu] [--seeds N] [--shard i/n] [--no-build] [--port P]\n' +
  `  presets: ${PRESET_IDS.join(', ')}\n` +
  '  --shard i/n runs every n-th run starting at run i (i from 0 to n-1), e.g. $SLURM_ARRAY_TASK_ID/$SLURM_ARRAY_TASK_COUNT';

/** `--name value` and `--name=value` both work; flags without values are booleans. */
function splitArgs(argv: readonly string[]): { named: Map<string, string | true>; positional: string[] } {
  const named = new Map<string, string | true>();
  const positional: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('--')) {
      positional.push(a);
      continue;
    }
    const eq = a.indexOf('=');
    if (eq > 0) named.set(a.slice(2, eq), a.slice(eq + 1));
    else if (i + 1 < argv.length && !argv[i + 1].startsWith('--')) named.set(a.slice(2), argv[++i]);
    else named.set(a.slice(2), true);
  }
  return { named, positional };
}

const value = (named: Map<string, string | true>, key: string): string | undefined => {
  const v = named.get(key);
  if (v === true) throw new Error(`--${key} needs a value`);
  return v;
};

export function parseReproduceArgs(argv: readonly string[]): ReproduceArgs {
  const { named, positional } = splitArgs(argv);
  const known = new Set(['preset', 'out', 'backend', 'seeds', 'shard', 'no-build', 'port']);
  for (const k of named.keys()) if (!known.has(k)) throw new Error(`unknown option --${k}`);
  if (positional.length) throw new Error(`unexpected argument '${positional[0]}'`);
  const preset = value(named, 'preset');
  if (!preset) throw new Error('--preset is required');
  if (!PRESET_IDS.includes(preset)) throw new Error(`--preset: '${preset}' is not a preset (presets: ${PRESET_IDS.join(', ')})`);
  const out = value(named, 'out');
  if (!out) throw new Error('--out is required (the folder for results.json, results.csv and the charts)');
  const backend = value(named, 'backend');
  if (backend !== undefined && !['webgpu', 'wasm', 'cpu'].includes(backend)) throw new Error(`--backend: '${backend}' is not one of webgpu, wasm, cpu`);
  const seedsText = value(named, 'seeds');
  const seeds = seedsText === undefined ? undefined : Number(seedsText);
  if (seeds !== undefined && !(Number.isInteger(seeds) && seeds >= 1 && seeds <= 64)) throw new Error(`--seeds: '${seedsText}' is not a whole number from 1 to 64`);
  const shardText = value(named, 'shard');
  let shard: [number, number] | undefined;
  if (shardText !== undefined) {
    const m = /^(\d+)\/(\d+)$/.exec(shardText);
    if (!m) throw new Error(`--shard: '${shardText}' is not i/n (e.g. 0/4)`);
    shard = [Number(m[1]), Number(m[2])];
    if (shard[1] < 1 || shard[0] >= shard[1]) throw new Error(`--shard: index ${shard[0]} is not in 0..${shard[1] - 1}`);
  }
  // 4185/4186: free ports that browsers and fetch allow (4190, sieve, is on the Fetch standard's blocked list).
  const portText = value(named, 'port') ?? '4185';
  const port = Number(portText);
  if (!(Number.isInteger(port) && port > 0 && port < 65536)) throw new Error(`--port: '${portText}' is not a port number`);
  return { preset, out, ...(backend ? { backend: backend as ReproduceArgs['backend'] } : {}), ...(seeds ? { seeds } : {}), ...(shard ? { shard } : {}), build: !named.has('no-build'), port };
}

export interface MergeArgs {
  dirs: string[];
  out: string;
  build: boolean;
  port: number;
}

export const MERGE_USAGE = 'usage: npm run merge -- <shard dir> <shard dir> ... --out <dir> [--no-build]';

export function parseMergeArgs(argv: readonly string[]): MergeArgs {
  const { named, positional } = splitArgs(argv);
  for (const k of named.keys()) if (!['out', 'no-build', 'port'].includes(k)) throw new Error(`unknown option --${k}`);
  const out = value(named, 'out');
  if (!out) throw new Error('--out is required');
  if (positional.length === 0) throw new Error('give the shard folders to merge (each with a results.json)');
  const port = Number(value(named, 'port') ?? '4186');
  return { dirs: positional, out, build: !named.has('no-build'), port };
}
