/**
 * Benchmark, side by side: per backend, config, method (and, on WebGPU, fused kernels on/off when
 * the config has `engine.fused`): ms per training step with the FLOP hooks on and off (their
 * overhead), kernel calls and counted FLOPs per step, achieved GFLOP/s, memory, and PyTorch
 * eager's ms/step for the same model, batch and optimiser (scripts/bench_torch.py, when `python3`
 * has torch) with the ratio lab / PyTorch. Lab and PyTorch alternate, A/B/A/B, `--pairs` times per
 * cell (default 5; never at once: the browser idles while PyTorch runs); each is the median of
 * its pairs, and the ratio is the median of the per-pair ratios with their range. The load
 * average before the bench is printed, and the ratios are flagged when other work was running.
 * Runs the built app in headless Chromium through `window.floplab.benchmark`.
 *
 *   npm run bench                      # webgpu, wasm, cpu; tiny + default config; supervised
 *   npm run bench -- --backends=wasm,cpu --configs=tiny,default --methods=supervised,mae --steps=5
 *   npm run bench -- --backends=wasm --methods=supervised,mae,simclr,byol,dino,clip --torch=off
 *   npm run bench -- --backends=wasm --configs=tiny --switch   # wasm ms/step before/after a WebGPU step
 *
 * Flags: --backends, --configs (tiny, default, or a model preset name), --methods, --steps,
 * --warmup, --pairs=N (lab/PyTorch alternations per cell, default 5), --torch=auto|off,
 * --torch-device=cpu|cuda, --threads=N (PyTorch threads; default the lab's wasm thread count),
 * --python=PATH, --switch, --out=FILE (default bench-results/bench.json).
 * Prints console.table and a Markdown table and writes the JSON. docs/bench.md explains the columns.
 */
import './help';
import { spawnSync } from 'node:child_process';
import { mkdirSync, realpathSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, platform, release } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { BenchResult, TorchMirrorSpec } from '../src/train/bench';
import { median } from '../src/lib/stats';
import { intFlag, list, parseFlags } from './lib/args';

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
    out: { type: 'string', default: 'bench-results/bench.json' },
  });
  if (v.torch !== 'auto' && v.torch !== 'off') throw new Error(`--torch=${v.torch}: expected auto or off`);
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
    out: v.out,
  };
}

/** Named configs; any other name is taken as a model preset (`toy-L` -> { model: 'toy-L' }). */
export const CONFIGS: Record<string, Record<string, unknown>> = {
  tiny: { model: 'tiny', batchSize: 8 },
  default: {},
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
  torchNote?: string;
}

const round = (x: number, digits: number) => +x.toFixed(digits);

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
  const lines = stdout.split('\n').map((l) => l.trim()).filter((l) => l.startsWith('{'));
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
  return { torch: String(o.torch ?? '?'), device: String(o.device ?? '?'), threads: Number(o.threads ?? NaN), rows };
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
  const units: [number, string][] = [[1e12, 'T'], [1e9, 'G'], [1e6, 'M'], [1e3, 'k']];
  for (const [scale, unit] of units) if (Math.abs(n) >= scale) return `${(n / scale).toFixed(2)} ${unit}`;
  return String(n);
}

const cellText = (v: unknown): string => (v === null || v === undefined || (typeof v === 'number' && !Number.isFinite(v)) ? '-' : String(v));

/** The columns of the printed tables, in order: header and how to show a row's value. */
export const COLUMNS: [string, (r: BenchRow) => string][] = [
  ['backend', (r) => r.backend],
  ['config', (r) => r.config],
  ['method', (r) => r.method],
  ['fused', (r) => r.fused],
  ['ms/step', (r) => cellText(r.msPerStep)],
  ['ms/step no hooks', (r) => cellText(r.msPerStepNoHooks)],
  ['hook overhead %', (r) => cellText(r.overheadPct)],
  ['batch ms', (r) => cellText(r.batchMs)],
  ['kernels/step', (r) => cellText(r.kernelsPerStep)],
  ['FLOPs/step', (r) => formatCount(r.flopsPerStep)],
  ['GFLOP/s', (r) => cellText(r.gflopPerS)],
  ['live MB', (r) => cellText(r.liveMB)],
  ['high-water MB', (r) => cellText(r.highWaterMB)],
  ['PyTorch ms/step', (r) => cellText(r.torchMs)],
  ['lab / PyTorch', (r) => formatRatio(r.labOverTorch)],
  ['ratio range', (r) => (r.ratioRange ? `${formatRatio(r.ratioRange[0])}-${formatRatio(r.ratioRange[1])}` : '-')],
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

// ------------------------------------------------------------------ the run

type LabResult = BenchResult & { backend: { name: string; adapter?: { description?: string; architecture?: string } } };

function runTorch(args: BenchArgs, specs: (TorchMirrorSpec & { key: string })[], threads: number): { out: TorchOutput | null; why?: string } {
  const script = join(dirname(fileURLToPath(import.meta.url)), 'bench_torch.py');
  const cli = [script, '--spec', '-', '--steps', String(args.steps), '--warmup', String(args.warmup), '--threads', String(threads), '--device', args.torchDevice];
  console.log(`PyTorch: ${args.python} ${cli.join(' ')}`);
  const r = spawnSync(args.python, cli, { input: JSON.stringify({ specs }), encoding: 'utf8', stdio: ['pipe', 'pipe', 'inherit'], maxBuffer: 64 << 20, timeout: 60 * 60_000 });
  if (r.error) return { out: null, why: `${args.python} could not run (${(r.error as NodeJS.ErrnoException).code ?? r.error.message}): PyTorch skipped` };
  try {
    return { out: parseTorchOutput(r.stdout ?? '') };
  } catch (e) {
    return { out: null, why: `PyTorch skipped: ${(e as Error).message}${r.status ? ` (exit ${r.status})` : ''}` };
  }
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const { withLabPage } = await import('./labPage');
  const rows: BenchRow[] = [];
  const specs = new Map<string, TorchMirrorSpec & { key: string }>();
  const notes: string[] = [];
  const switchRows: SwitchRow[] = [];
  let browserVersion = '?';
  let fusedSupported = false;

  const load1Before = loadavg()[0];
  const torchOff = args.torch === 'off' ? 'PyTorch off (--torch=off)' : undefined;
  let torchInfo: TorchOutput | null = null;
  const torchRows = new Map<string, TorchRow>();
  await withLabPage(4180, async (page) => {
    browserVersion = page.context().browser()?.version() ?? '?';
    const bench = (config: object, hooks: boolean) =>
      page.evaluate(([c, o]) => window.floplab.benchmark(c, o), [config, { steps: args.steps, warmup: args.warmup, hooks }] as const) as Promise<LabResult>;

    // The fused dimension exists once the config takes `engine: { fused }` (checked at run time, not assumed).
    const probe = await page.evaluate(() => window.floplab.validateConfig({ engine: { fused: false } }));
    fusedSupported = probe.ok;
    if (!fusedSupported && args.backends.includes('webgpu'))
      notes.push(`fused dimension skipped: this build's config does not take engine.fused (${'error' in probe ? probe.error : 'refused'})`);

    for (const backend of args.backends) {
      const variants: { fused: string; extra: object }[] =
        backend === 'webgpu' && fusedSupported
          ? [
              { fused: 'on', extra: { engine: { fused: true } } },
              { fused: 'off', extra: { engine: { fused: false } } },
            ]
          : [{ fused: '-', extra: {} }];
      for (const name of args.configs)
        for (const method of args.methods)
          for (const variant of variants) {
            const config = { ...configFor(name), ...variant.extra, method, backend };
            // Hooks off once (their overhead), then lab and PyTorch alternately, `pairs` times: A/B/A/B.
            const on: LabResult[] = [];
            const off: LabResult[] = [];
            const torchMs: number[] = [];
            let torchWhyHere: string | undefined = torchOff;
            try {
              off.push(await bench(config, false));
              for (let pair = 0; pair < args.pairs; pair++) {
                on.push(await bench(config, true));
                if (torchWhyHere) continue;
                const key = `${name}/${method}`;
                const spec = { ...on[0].mirror, key };
                if (!specs.has(key)) specs.set(key, spec);
                const threads = args.threads ?? on[0].threads ?? 1;
                const t = runTorch(args, [spec], threads);
                const row = t.out?.rows.find((r) => r.key === key);
                if (!t.out || !row || row.msPerStep === undefined) {
                  torchWhyHere = t.why ?? row?.error ?? 'PyTorch gave no row';
                  continue;
                }
                torchInfo = t.out;
                torchRows.set(key, row);
                torchMs.push(row.msPerStep);
              }
            } catch (e) {
              notes.push(`${backend} ${name} ${method}${variant.fused !== '-' ? ` fused ${variant.fused}` : ''}: failed: ${(e as Error).message.split('\n')[0]}`);
              console.log(`failed: ${backend} ${name} ${method}: ${(e as Error).message.split('\n')[0]}`);
              continue;
            }
            const ran = on[on.length - 1].backend.name;
            if (ran !== backend) notes.push(`${backend} was asked for but ${ran} ran (${name} ${method})`);
            let row = makeRow({ backend: ran, config: name, method, fused: variant.fused }, on, off);
            if (torchMs.length === on.length) {
              const p = pairedRatio(on.map((r) => r.msPerStep), torchMs);
              row = { ...row, torchMs: round(p.torchMs, 2), labOverTorch: round(p.ratio, 2), ratioRange: [round(p.range[0], 2), round(p.range[1], 2)] };
            } else row = { ...row, torchNote: torchWhyHere ?? 'not measured' };
            rows.push(row);
            console.log(JSON.stringify(row));
          }
    }

    if (args.switch) {
      // ms/step on wasm alone, then after one WebGPU profileStep in the same page (the worker switches backends twice).
      for (const name of args.configs)
        for (const method of args.methods) {
          const config = { ...configFor(name), method, backend: 'wasm' };
          const before = await bench(config, true);
          await page.evaluate((c) => window.floplab.profileStep(c), { ...configFor(name), method, backend: 'webgpu' });
          const after = await bench(config, true);
          // profileStep does not say where it ran; the worker falls back to wasm when WebGPU is unavailable.
          const options = await page.evaluate(() => window.floplab.backends());
          const switchedTo = options.find((o) => o.id === 'webgpu')?.available ? 'webgpu' : 'webgpu unavailable: no switch';
          const r: SwitchRow = {
            config: name,
            method,
            wasmBefore: round(before.msPerStep, 2),
            switchedTo,
            wasmAfter: round(after.msPerStep, 2),
            changePct: round((100 * (after.msPerStep - before.msPerStep)) / before.msPerStep, 1),
          };
          switchRows.push(r);
          console.log(JSON.stringify({ switch: r }));
        }
    }
  });

  const info = torchInfo as TorchOutput | null; // assigned inside the page callback
  const torch: TorchOutput | null = info ? { ...info, rows: [...torchRows.values()] } : null;
  if (torch) notes.push(...paramMismatches([...specs.values()], torch));
  if (torchOff) notes.push(torchOff);
  const load1After = loadavg()[0];
  const loadLine = `load average (1 min) ${load1Before.toFixed(2)} before, ${load1After.toFixed(2)} after`;
  if (underLoad(load1Before)) notes.push(`${loadLine}: other work was running before the bench started, so these ratios are not results; rerun on a quiet machine`);

  const date = new Date().toISOString();
  const machine = `${cpus()[0]?.model ?? '?'} x${cpus().length}, ${platform()} ${release()}, Chromium ${browserVersion}`;
  const torchLine = torch ? `PyTorch ${torch.torch} eager on ${torch.device}, ${torch.threads} thread(s)` : 'PyTorch: -';
  console.log(`\n${date}  ${machine}; ${loadLine}\n${torchLine}; lab and PyTorch alternated ${args.pairs} times per row (A/B/A/B), each ${args.steps} steps after ${args.warmup} warm-up; ms/step are medians over the pairs, the ratio the median of the per-pair ratios (range beside it)`);
  console.table(tableObjects(rows));
  console.log(`\n${benchMarkdown(rows)}\n`);
  if (switchRows.length > 0) console.log(`${switchMarkdown(switchRows)}\n`);
  for (const n of notes) console.log(`note: ${n}`);

  mkdirSync(dirname(args.out), { recursive: true });
  writeFileSync(
    args.out,
    JSON.stringify(
      { date, machine, load1: { before: load1Before, after: load1After }, underLoad: underLoad(load1Before), args, fusedSupported, torch: torch ? { version: torch.torch, device: torch.device, threads: torch.threads, rows: torch.rows } : null, notes, rows, switch: switchRows, specs: [...specs.values()] },
      null,
      2,
    ),
  );
  console.log(`wrote ${args.out}`);
}

const invokedAs = process.argv[1] ? pathToFileURL(realpathSync(process.argv[1])).href : '';
if (import.meta.url === invokedAs) {
  main().catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
