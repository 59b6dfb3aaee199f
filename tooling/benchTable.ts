/**
 * The bench's pure part (scripts/bench.ts runs it): its flags, one row per backend, config and
 * method, the PyTorch mirror's output, the A/B pairing of lab and PyTorch timings, and the
 * markdown tables. Shared so that tests/bench-table.test.ts checks it without running the bench.
 */
import type { BenchResult, TorchMirrorSpec } from '../src/train/bench';
import { median } from '../src/lib/stats';
import { MODEL_PRESETS } from '../src/models/presets';
import { intFlag, list, parseFlags } from './args';

// ------------------------------------------------------------------ arguments

export interface BenchArgs {
  backends: string[];
  configs: string[];
  methods: string[];
  steps: number;
  warmup: number;
  /** Lab / PyTorch alternations per cell (A/B/A/B). */
  pairs: number;
  torch: 'auto' | 'off';
  torchDevice: string;
  /** PyTorch threads; undefined: the lab's wasm thread count (1 when wasm was not run). */
  threads?: number;
  python: string;
  switch: boolean;
  /** engine.batchWorker for the lab's steps: where the page makes their batches (api.md#records). */
  batchWorker: 'auto' | 'on' | 'off';
  out: string;
}

/** The bench's flags (strict: an unknown flag is refused; a repeated one takes its last value, so a wrapper's defaults can be overridden, as scripts/gpu-bench.sh does). */
export function parseArgs(argv: string[]): BenchArgs {
  const { values: v } = parseFlags(argv, {
    backends: { type: 'string', default: 'webgpu,wasm,cpu' },
    configs: { type: 'string', default: 'tiny,default' },
    methods: { type: 'string', default: 'supervised' },
    steps: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '3' },
    pairs: { type: 'string', default: '5' },
    torch: { type: 'string', default: 'auto' },
    'torch-device': { type: 'string', default: 'cpu' },
    threads: { type: 'string' },
    python: { type: 'string', default: 'python3' },
    switch: { type: 'boolean', default: false },
    'batch-worker': { type: 'string', default: 'auto' },
    out: { type: 'string', default: 'bench-results/bench.json' },
  });
  if (v.torch !== 'auto' && v.torch !== 'off') throw new Error(`--torch=${v.torch}: expected auto or off`);
  const batchWorker = v['batch-worker'];
  if (batchWorker !== 'auto' && batchWorker !== 'on' && batchWorker !== 'off') throw new Error(`--batch-worker=${batchWorker}: expected auto, on or off`);
  return {
    backends: list(v.backends),
    configs: list(v.configs),
    methods: list(v.methods),
    steps: intFlag('steps', v.steps, 1),
    warmup: intFlag('warmup', v.warmup, 0),
    pairs: intFlag('pairs', v.pairs, 1),
    torch: v.torch,
    torchDevice: v['torch-device'],
    threads: v.threads === undefined ? undefined : intFlag('threads', v.threads, 1),
    python: v.python,
    switch: v.switch,
    batchWorker,
    out: v.out,
  };
}

/** Named configs; any other name is taken as a model preset (`toy-L` -> { model: 'toy-L' }). */
const CONFIGS: Record<string, Record<string, unknown>> = {
  tiny: { model: 'tiny', batchSize: 8 },
  default: {},
  // toy-B with 4 px patches: 64 tokens (65 with the class token) instead of 16, the toy-B the 64-token targets name.
  'toy-B-64': { model: { ...MODEL_PRESETS['toy-B'], patchSize: 4 } },
};

export function configFor(name: string): Record<string, unknown> {
  return CONFIGS[name] ?? { model: name };
}

// ------------------------------------------------------------------ rows

export interface BenchRow {
  backend: string;
  config: string;
  method: string;
  /** WebGPU fused kernels: 'on' / 'off', or '-' where the dimension does not apply or is not in the config. */
  fused: string;
  adapter: string;
  msPerStep: number;
  msPerStepNoHooks: number;
  overheadPct: number;
  batchMs: number;
  /** Median ms/step on batches made before timing (the work the PyTorch mirror times). */
  readyMs: number;
  /** Of the last timed run's steps, how many took their batch from the batch worker: "10/10". */
  fed: string;
  kernelsPerStep: number;
  flopsPerStep: number;
  gflopPerS: number;
  /** Max of tf.memory().numBytes (WebGPU: numBytesInGPU) after each timed step, MB. */
  liveMB: number;
  /** The backend's high-water mark (WebGPU allocated buffers incl. its pool; wasm heap), MB; null on cpu. */
  highWaterMB: number | null;
  /** Key of the PyTorch mirror row: config/method. */
  key: string;
  torchMs: number | null;
  /** Median of the per-pair ratios lab / PyTorch. */
  labOverTorch: number | null;
  /** Smallest and largest per-pair ratio. */
  ratioRange?: [number, number];
  /** Median of the per-pair ratios lab on ready batches / PyTorch, and their range: both sides time the same work. */
  readyOverTorch?: number;
  readyRatioRange?: [number, number];
  torchNote?: string;
}

/** x to `digits` decimals, as a number. */
export const round = (x: number, digits: number) => +x.toFixed(digits);

/**
 * Lab and PyTorch ms/step of the same pairs (A/B/A/B): each side's median, and the median and range
 * of the per-pair ratios lab / PyTorch.
 */
export function pairedRatio(lab: number[], torch: number[]): { labMs: number; torchMs: number; ratio: number; range: [number, number] } {
  if (lab.length === 0 || lab.length !== torch.length) throw new Error(`pairedRatio: ${lab.length} lab and ${torch.length} PyTorch timings`);
  const ratios = lab.map((x, i) => x / torch[i]);
  return { labMs: median(lab), torchMs: median(torch), ratio: median(ratios), range: [Math.min(...ratios), Math.max(...ratios)] };
}

/**
 * Whether a 1-minute load average taken as the bench starts says other work shared the machine:
 * a core's worth or more. (`npm run bench` builds the app just before, which alone leaves about
 * 0.4 on a 2-core machine.)
 */
export const underLoad = (load1: number): boolean => load1 >= 1;
const MB = (bytes: number) => round(bytes / 2 ** 20, 2);

/** One table row from the hooks-on and hooks-off timings of one (backend, config, method, fused) cell. */
export function makeRow(
  cell: { backend: string; config: string; method: string; fused: string },
  on: (BenchResult & { backend?: { adapter?: { description?: string; architecture?: string } } })[],
  off: BenchResult[],
): BenchRow {
  const msOn = median(on.map((r) => r.msPerStep));
  const msOff = off.length > 0 ? median(off.map((r) => r.msPerStep)) : NaN;
  const last = on[on.length - 1];
  const adapter = last.backend?.adapter;
  const live = Math.max(...on.map((r) => r.peakBytesInGPU ?? r.peakBytes));
  const highs = on.map((r) => r.highWaterBytes).filter((x): x is number => x !== undefined);
  return {
    ...cell,
    adapter: adapter?.description || adapter?.architecture || '-',
    msPerStep: round(msOn, 2),
    msPerStepNoHooks: round(msOff, 2),
    overheadPct: round((100 * (msOn - msOff)) / msOff, 1),
    batchMs: round(Math.min(...on.map((r) => r.batchMsPerStep)), 2),
    readyMs: round(median(on.map((r) => r.readyMsPerStep)), 2),
    fed: `${last.fedSteps}/${last.steps}`,
    kernelsPerStep: last.kernelsPerStep,
    flopsPerStep: last.flopsPerStep,
    gflopPerS: round(last.flopsPerStep / msOn / 1e6, 3),
    liveMB: MB(live),
    highWaterMB: highs.length > 0 ? MB(Math.max(...highs)) : null,
    key: `${cell.config}/${cell.method}`,
    torchMs: null,
    labOverTorch: null,
  };
}

// ------------------------------------------------------------------ PyTorch mirror

export interface TorchRow {
  key: string;
  method: string;
  msPerStep?: number;
  meanMs?: number;
  minMs?: number;
  params?: number;
  error?: string;
}

export interface TorchOutput {
  torch: string;
  device: string;
  threads: number;
  rows: TorchRow[];
}

/**
 * Reads bench_torch.py's stdout: the last line that is a JSON object. Throws, saying why, on
 * no JSON, on the script's own {"error"} (torch missing, no CUDA), or on a malformed row.
 */
export function parseTorchOutput(stdout: string): TorchOutput {
  const lines = stdout
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.startsWith('{'));
  let parsed: unknown = undefined;
  for (let i = lines.length - 1; i >= 0 && parsed === undefined; i--) {
    try {
      parsed = JSON.parse(lines[i]);
    } catch {
      /* not JSON: look further up */
    }
  }
  if (parsed === undefined || parsed === null || typeof parsed !== 'object') throw new Error('no JSON object in the PyTorch output');
  const o = parsed as Record<string, unknown>;
  if (typeof o.error === 'string') throw new Error(o.error);
  if (!Array.isArray(o.rows)) throw new Error('the PyTorch output has no "rows" array');
  const rows = o.rows.map((r, i): TorchRow => {
    const row = r as Record<string, unknown>;
    if (typeof row.key !== 'string') throw new Error(`PyTorch row ${i} has no key`);
    if (row.error === undefined && !(typeof row.msPerStep === 'number' && Number.isFinite(row.msPerStep) && row.msPerStep > 0))
      throw new Error(`PyTorch row ${row.key}: msPerStep must be a positive number, got ${String(row.msPerStep)}`);
    return row as unknown as TorchRow;
  });
  return { torch: typeof o.torch === 'string' ? o.torch : '?', device: typeof o.device === 'string' ? o.device : '?', threads: Number(o.threads ?? NaN), rows };
}

/** Trainable-parameter mismatches between the lab's step and the mirror: the mirror is not the same model then. */
export function paramMismatches(specs: TorchMirrorSpec[], torch: TorchOutput): string[] {
  const byKey = new Map(torch.rows.map((r) => [r.key, r]));
  const out: string[] = [];
  for (const s of specs as (TorchMirrorSpec & { key: string })[]) {
    const t = byKey.get(s.key);
    if (s.params !== undefined && t?.params !== undefined && t.params !== s.params)
      out.push(`${s.key}: the lab trains ${s.params} parameters, the PyTorch mirror ${t.params}`);
  }
  return out;
}

// ------------------------------------------------------------------ formatting

/** "12.3x", "0.45x"; "-" for null. */
export function formatRatio(x: number | null): string {
  if (x === null || !Number.isFinite(x)) return '-';
  return `${x >= 10 ? x.toFixed(1) : x.toFixed(2)}x`;
}

/** 1234567 -> "1.23 M"; 0 -> "0"; FLOP counts at human scale. */
export function formatCount(n: number): string {
  if (!Number.isFinite(n)) return '-';
  const units: [number, string][] = [
    [1e12, 'T'],
    [1e9, 'G'],
    [1e6, 'M'],
    [1e3, 'k'],
  ];
  for (const [scale, unit] of units) if (Math.abs(n) >= scale) return `${(n / scale).toFixed(2)} ${unit}`;
  return String(n);
}

const rangeText = (r: [number, number] | undefined): string => (r ? `${formatRatio(r[0])}-${formatRatio(r[1])}` : '-');

const cellText = (v: unknown): string => (v === null || v === undefined || (typeof v === 'number' && !Number.isFinite(v)) ? '-' : String(v as string | number));

/** The columns of the printed tables, in order: header and how to show a row's value. */
const COLUMNS: [string, (r: BenchRow) => string][] = [
  ['backend', (r) => r.backend],
  ['config', (r) => r.config],
  ['method', (r) => r.method],
  ['fused', (r) => r.fused],
  ['ms/step', (r) => cellText(r.msPerStep)],
  ['ms/step no hooks', (r) => cellText(r.msPerStepNoHooks)],
  ['hook overhead %', (r) => cellText(r.overheadPct)],
  ['batch ms', (r) => cellText(r.batchMs)],
  ['batches from the worker', (r) => r.fed],
  ['ms/step, ready batches', (r) => cellText(r.readyMs)],
  ['kernels/step', (r) => cellText(r.kernelsPerStep)],
  ['FLOPs/step', (r) => formatCount(r.flopsPerStep)],
  ['GFLOP/s', (r) => cellText(r.gflopPerS)],
  ['live MB', (r) => cellText(r.liveMB)],
  ['high-water MB', (r) => cellText(r.highWaterMB)],
  ['PyTorch ms/step', (r) => cellText(r.torchMs)],
  ['lab / PyTorch', (r) => formatRatio(r.labOverTorch)],
  ['ratio range', (r) => rangeText(r.ratioRange)],
  ['ready / PyTorch', (r) => formatRatio(r.readyOverTorch ?? null)],
  ['ready range', (r) => rangeText(r.readyRatioRange)],
];

export function markdownTable(headers: string[], rows: string[][]): string {
  const esc = (s: string) => s.replace(/\|/g, '\\|');
  const line = (cells: string[]) => `| ${cells.map(esc).join(' | ')} |`;
  return [line(headers), `|${headers.map(() => '---').join('|')}|`, ...rows.map(line)].join('\n');
}

export function benchMarkdown(rows: BenchRow[]): string {
  return markdownTable(
    COLUMNS.map(([h]) => h),
    rows.map((r) => COLUMNS.map(([, f]) => f(r))),
  );
}

/** One object per row keyed by column header, for console.table (plain numbers unquoted). */
export function tableObjects(rows: BenchRow[]): Record<string, string | number>[] {
  const value = (s: string) => (/^-?\d+(\.\d+)?$/.test(s) ? Number(s) : s);
  return rows.map((r) => Object.fromEntries(COLUMNS.map(([h, f]) => [h, value(f(r))])));
}

export interface SwitchRow {
  config: string;
  method: string;
  wasmBefore: number;
  switchedTo: string;
  wasmAfter: number;
  changePct: number;
}

export function switchMarkdown(rows: SwitchRow[]): string {
  return markdownTable(
    ['config', 'method', 'wasm ms/step before', 'then one profileStep on', 'wasm ms/step after', 'change %'],
    rows.map((r) => [r.config, r.method, String(r.wasmBefore), r.switchedTo, String(r.wasmAfter), String(r.changePct)]),
  );
}
