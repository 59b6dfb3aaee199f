/**
 * Command-line arguments of `npm run reproduce` and `npm run merge`, parsed
 * with messages that name the bad argument (a reviewer's typo should not cost
 * an hour of runs). Pure, so tests/reproduce-args.test.ts checks it.
 */
import { PRESET_IDS } from '../src/experiments/presets';
import { parseFlags } from './args';

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

export function parseReproduceArgs(argv: readonly string[]): ReproduceArgs {
  const { values: named } = parseFlags(argv, {
    preset: { type: 'string' },
    out: { type: 'string' },
    backend: { type: 'string' },
    seeds: { type: 'string' },
    shard: { type: 'string' },
    'no-build': { type: 'boolean', default: false },
    port: { type: 'string', default: '4185' },
  });
  const preset = named.preset;
  if (!preset) throw new Error('--preset is required');
  if (!PRESET_IDS.includes(preset)) throw new Error(`--preset: '${preset}' is not a preset (presets: ${PRESET_IDS.join(', ')})`);
  const out = named.out;
  if (!out) throw new Error('--out is required (the folder for results.json, results.csv and the charts)');
  const backend = named.backend;
  if (backend !== undefined && !['webgpu', 'wasm', 'cpu'].includes(backend)) throw new Error(`--backend: '${backend}' is not one of webgpu, wasm, cpu`);
  const seedsText = named.seeds;
  const seeds = seedsText === undefined ? undefined : Number(seedsText);
  if (seeds !== undefined && !(Number.isInteger(seeds) && seeds >= 1 && seeds <= 64))
    throw new Error(`--seeds: '${seedsText}' is not a whole number from 1 to 64`);
  const shardText = named.shard;
  let shard: [number, number] | undefined;
  if (shardText !== undefined) {
    const m = /^(\d+)\/(\d+)$/.exec(shardText);
    if (!m) throw new Error(`--shard: '${shardText}' is not i/n (e.g. 0/4)`);
    shard = [Number(m[1]), Number(m[2])];
    if (shard[1] < 1 || shard[0] >= shard[1]) throw new Error(`--shard: index ${shard[0]} is not in 0..${shard[1] - 1}`);
  }
  // 4185/4186: free ports that browsers and fetch allow (4190, sieve, is on the Fetch standard's blocked list).
  const portText = named.port;
  const port = Number(portText);
  if (!(Number.isInteger(port) && port > 0 && port < 65536)) throw new Error(`--port: '${portText}' is not a port number`);
  return {
    preset,
    out,
    ...(backend ? { backend: backend as ReproduceArgs['backend'] } : {}),
    ...(seeds ? { seeds } : {}),
    ...(shard ? { shard } : {}),
    build: !named['no-build'],
    port,
  };
}

export interface MergeArgs {
  dirs: string[];
  out: string;
  build: boolean;
  port: number;
}

export const MERGE_USAGE = 'usage: npm run merge -- <shard dir> <shard dir> ... --out <dir> [--no-build]';

export function parseMergeArgs(argv: readonly string[]): MergeArgs {
  const { values: named, positionals } = parseFlags(
    argv,
    { out: { type: 'string' }, 'no-build': { type: 'boolean', default: false }, port: { type: 'string', default: '4186' } },
    true,
  );
  const out = named.out;
  if (!out) throw new Error('--out is required');
  if (positionals.length === 0) throw new Error('give the shard folders to merge (each with a results.json)');
  return { dirs: positionals, out, build: !named['no-build'], port: Number(named.port) };
}
