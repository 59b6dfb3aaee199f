/**
 * The benchmark's pure parts (scripts/bench.ts: flags, rows, the PyTorch JSON, ratios, tables),
 * src/train/bench.ts on the cpu backend, and, where `python3` has torch, that
 * scripts/bench_torch.py builds models with exactly the lab's trainable parameter count.
 */
import { spawnSync } from 'node:child_process';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  benchMarkdown,
  configFor,
  formatCount,
  formatRatio,
  makeRow,
  markdownTable,
  pairedRatio,
  underLoad,
  paramMismatches,
  parseArgs,
  parseTorchOutput,
  switchMarkdown,
  tableObjects,
  type BenchRow,
} from '../tooling/benchTable';
import { benchSteps, kernelCalls, mirrorSpec, type BenchResult, type TorchMirrorSpec } from '../src/train/bench';
import { defaultConfig } from '../src/train/config';
import { createTrainer } from '../src/train/trainer';
import { useCpuBackend } from '../tooling/tfjsBackends';
import { median } from '../src/lib/stats';

beforeAll(useCpuBackend);

const result = (over: Partial<BenchResult> = {}): BenchResult => ({
  msPerStep: 10,
  batchMsPerStep: 1,
  readyMsPerStep: 8,
  fedSteps: 0,
  flopsPerStep: 2e7,
  kernelsPerStep: 300,
  steps: 5,
  peakBytes: 3 * 2 ** 20,
  mirror: mirrorSpec(defaultConfig({ model: 'tiny', batchSize: 8 }), 10, [16]),
  ...over,
});

describe('bench flags', () => {
  it('keeps the old flags and adds --torch, --switch, --threads', () => {
    const a = parseArgs([
      '--backends=wasm,cpu',
      '--configs=tiny,default',
      '--methods=supervised,mae',
      '--steps=5',
      '--warmup=2',
      '--torch=off',
      '--switch',
      '--threads=2',
    ]);
    expect(a).toMatchObject({
      backends: ['wasm', 'cpu'],
      configs: ['tiny', 'default'],
      methods: ['supervised', 'mae'],
      steps: 5,
      warmup: 2,
      torch: 'off',
      switch: true,
      threads: 2,
    });
    const d = parseArgs([]);
    expect(d).toMatchObject({
      backends: ['webgpu', 'wasm', 'cpu'],
      configs: ['tiny', 'default'],
      methods: ['supervised'],
      steps: 10,
      warmup: 3,
      torch: 'auto',
      switch: false,
      torchDevice: 'cpu',
    });
    expect(d.threads).toBeUndefined();
    expect(parseArgs(['--steps=20', '--steps=3']).steps).toBe(3); // the last one wins (gpu-bench.sh's defaults)
  });

  it('refuses bad values, naming the flag', () => {
    expect(() => parseArgs(['--torch=maybe'])).toThrow(/--torch=maybe/);
    expect(parseArgs(['--batch-worker=off']).batchWorker).toBe('off');
    expect(parseArgs([]).batchWorker).toBe('auto');
    expect(() => parseArgs(['--batch-worker=sometimes'])).toThrow(/--batch-worker=sometimes/);
    expect(() => parseArgs(['--steps=0'])).toThrow(/--steps=0/);
    expect(() => parseArgs(['--warmup=x'])).toThrow(/--warmup/);
  });

  it('maps config names, a model preset otherwise', () => {
    expect(configFor('tiny')).toEqual({ model: 'tiny', batchSize: 8 });
    expect(configFor('default')).toEqual({});
    expect(configFor('toy-L')).toEqual({ model: 'toy-L' });
    // toy-B with 4 px patches: 8 x 8 = 64 tokens of a 32 px image.
    const toyB64 = configFor('toy-B-64') as { model: { imageSize: number; patchSize: number; dim: number; depth: number } };
    expect((toyB64.model.imageSize / toyB64.model.patchSize) ** 2).toBe(64);
    expect(toyB64.model).toMatchObject({ dim: 48, depth: 3 });
  });
});

describe('bench rows', () => {
  it('takes the median of the runs, the overhead, GFLOP/s and memory', () => {
    const on = [
      result({ msPerStep: 12, peakBytes: 2 ** 20 }),
      result({ msPerStep: 9, peakBytes: 2 * 2 ** 20, highWaterBytes: 8 * 2 ** 20 }),
      result({ msPerStep: 10, peakBytes: 2 ** 20 }),
    ];
    const off = [
      result({ msPerStep: 9, kernelsPerStep: 0, flopsPerStep: 0 }),
      result({ msPerStep: 7, kernelsPerStep: 0, flopsPerStep: 0 }),
      result({ msPerStep: 8, kernelsPerStep: 0, flopsPerStep: 0 }),
    ];
    const row = makeRow({ backend: 'wasm', config: 'tiny', method: 'supervised', fused: '-' }, on, off);
    expect(row).toMatchObject({
      msPerStep: 10,
      msPerStepNoHooks: 8,
      overheadPct: 25,
      kernelsPerStep: 300,
      flopsPerStep: 2e7,
      gflopPerS: 2,
      liveMB: 2,
      highWaterMB: 8,
      key: 'tiny/supervised',
    });
    // WebGPU: the GPU bytes are the live figure.
    const gpu = makeRow({ backend: 'webgpu', config: 'tiny', method: 'mae', fused: 'on' }, [result({ peakBytesInGPU: 5 * 2 ** 20 })], [result()]);
    expect(gpu.liveMB).toBe(5);
    expect(gpu.highWaterMB).toBeNull();
  });

  it('sums kernel calls', () => {
    expect(kernelCalls({ MatMul: 10, Add: 5 })).toBe(15);
    expect(kernelCalls({})).toBe(0);
  });
});

describe('PyTorch output', () => {
  const out = {
    torch: '2.3.0',
    device: 'cpu',
    threads: 1,
    rows: [
      { key: 'tiny/supervised', method: 'supervised', msPerStep: 4, params: 19082 },
      { key: 'tiny/mae', method: 'mae', error: 'RuntimeError: boom' },
    ],
  };

  it('reads the last JSON line, past progress lines', () => {
    const parsed = parseTorchOutput(`warming up\n${JSON.stringify({ rows: [] })}\n${JSON.stringify(out)}\n`);
    expect(parsed.torch).toBe('2.3.0');
    expect(parsed.rows).toHaveLength(2);
  });

  it("passes the script's own error on, and refuses malformed rows", () => {
    expect(() => parseTorchOutput('{"error": "torch is not importable by python3"}')).toThrow(/not importable/);
    expect(() => parseTorchOutput('Traceback (most recent call last):')).toThrow(/no JSON/);
    expect(() => parseTorchOutput('{"torch": "2"}')).toThrow(/rows/);
    expect(() => parseTorchOutput(JSON.stringify({ rows: [{ key: 'a', msPerStep: -1 }] }))).toThrow(/positive/);
    expect(() => parseTorchOutput(JSON.stringify({ rows: [{ msPerStep: 1 }] }))).toThrow(/no key/);
  });

  it('pairs lab and PyTorch timings A/B/A/B: medians, and the median and range of the per-pair ratios', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 2, 3])).toBe(2.5);
    // Pair ratios 2, 3, 2.5, 4, 1.5: median 2.5, range 1.5-4.
    const p = pairedRatio([20, 30, 25, 40, 15], [10, 10, 10, 10, 10]);
    expect(p).toEqual({ labMs: 25, torchMs: 10, ratio: 2.5, range: [1.5, 4] });
    expect(() => pairedRatio([1, 2], [1])).toThrow(/2 lab and 1 PyTorch/);
    const row = {
      ...makeRow({ backend: 'wasm', config: 'tiny', method: 'supervised', fused: '-' }, [result({ msPerStep: 10 })], [result({ msPerStep: 9 })]),
      labOverTorch: 2.5,
      ratioRange: [1.5, 4] as [number, number],
      readyOverTorch: 2,
      readyRatioRange: [1.25, 3] as [number, number],
    };
    const table = tableObjects([row])[0];
    expect(table['ratio range']).toBe('1.50x-4.00x');
    expect(table['ms/step, ready batches']).toBe(8);
    expect(table['ready / PyTorch']).toBe('2.00x');
    expect(table['ready range']).toBe('1.25x-3.00x');
    expect(table['batches from the worker']).toBe('0/5');
  });

  it('flags a load average that says other work was running', () => {
    expect(underLoad(0.05)).toBe(false);
    expect(underLoad(0.45)).toBe(false); // what the build just before leaves
    expect(underLoad(1.2)).toBe(true);
  });

  it('flags a parameter-count mismatch between the lab and the mirror', () => {
    const spec = { ...result().mirror, key: 'tiny/supervised', params: 19082 } as TorchMirrorSpec & { key: string };
    const parsed = parseTorchOutput(JSON.stringify(out));
    expect(paramMismatches([spec], parsed)).toEqual([]);
    expect(paramMismatches([{ ...spec, params: 19000 }], parsed)[0]).toMatch(/19000.*19082/);
  });
});

describe('formatting', () => {
  it('formats ratios and counts', () => {
    expect(formatRatio(2.5)).toBe('2.50x');
    expect(formatRatio(12.345)).toBe('12.3x');
    expect(formatRatio(0.456)).toBe('0.46x');
    expect(formatRatio(null)).toBe('-');
    expect(formatRatio(Infinity)).toBe('-');
    expect(formatCount(1_234_567)).toBe('1.23 M');
    expect(formatCount(2.5e9)).toBe('2.50 G');
    expect(formatCount(999)).toBe('999');
    expect(formatCount(NaN)).toBe('-');
  });

  it('writes Markdown tables with one row per result and escaped pipes', () => {
    expect(markdownTable(['a', 'b|c'], [['1', '2']])).toBe('| a | b\\|c |\n|---|---|\n| 1 | 2 |');
    const row: BenchRow = {
      ...makeRow({ backend: 'cpu', config: 'tiny', method: 'supervised', fused: '-' }, [result()], [result()]),
      torchMs: 5,
      labOverTorch: 2,
    };
    const md = benchMarkdown([row]).split('\n');
    expect(md).toHaveLength(3);
    expect(md[0]).toContain('| lab / PyTorch |');
    expect(md[2]).toContain('| 2.00x |');
    expect(md[2]).toContain('| 20.00 M |');
    expect(switchMarkdown([{ config: 'tiny', method: 'supervised', wasmBefore: 10, switchedTo: 'webgpu', wasmAfter: 11, changePct: 10 }])).toContain(
      '| tiny | supervised | 10 | webgpu | 11 | 10 |',
    );
  });
});

describe('benchSteps', () => {
  it('times steps and reports kernels, FLOPs, memory and the mirror spec', async () => {
    const config = defaultConfig({ model: 'tiny', batchSize: 4, backend: 'cpu', method: 'mae' });
    const r = await benchSteps(config, { steps: 1, warmup: 1 });
    expect(r.msPerStep).toBeGreaterThan(0);
    expect(r.batchMsPerStep).toBeGreaterThanOrEqual(0);
    expect(r.readyMsPerStep).toBeGreaterThan(0);
    expect(r.fedSteps).toBe(0); // no batch feed in Node
    expect(r.kernelsPerStep).toBeGreaterThan(50);
    expect(r.flopsPerStep).toBeGreaterThan(0);
    expect(r.peakBytes).toBeGreaterThan(0);
    expect(r.threads).toBeUndefined(); // cpu, not wasm
    expect(r.mirror).toMatchObject({ method: 'mae', batchSize: 4, numClasses: 10, viewSizes: [], decoder: { dim: 20, depth: 2 } });
    expect(r.mirror.params).toBeGreaterThan(1000);
  });
});

const torchPython = (() => {
  const r = spawnSync('python3', ['-c', 'import torch'], { encoding: 'utf8' });
  if (r.status === 0) return 'python3';
  const debian = spawnSync('/usr/bin/python3', ['-c', 'import torch'], { encoding: 'utf8' });
  return debian.status === 0 ? '/usr/bin/python3' : null;
})();

describe.skipIf(!torchPython)('scripts/bench_torch.py (needs python3 with torch)', () => {
  it("builds every method with the lab's trainable parameter count and times it", async () => {
    const methods = ['supervised', 'mae', 'simclr', 'byol', 'dino', 'clip'];
    const specs = [];
    for (const method of methods) {
      const trainer = await createTrainer(defaultConfig({ model: 'tiny', batchSize: 4, backend: 'cpu', method }));
      const views = trainer.method.requires(trainer.config.methodOptions, trainer.config.model).views.map((v) => v.size);
      const params = trainer.state.trainable.reduce((n, v) => n + v.size, 0);
      specs.push({ ...mirrorSpec(trainer.config, trainer.dataset.numClasses, views), params, key: `tiny/${method}` });
      trainer.dispose();
    }
    const r = spawnSync(torchPython!, ['scripts/bench_torch.py', '--spec', '-', '--steps', '1', '--warmup', '1'], {
      input: JSON.stringify({ specs }),
      encoding: 'utf8',
    });
    expect(r.status, r.stderr).toBe(0);
    const out = parseTorchOutput(r.stdout);
    expect(out.threads).toBe(1);
    expect(out.rows.map((x) => x.error ?? null)).toEqual(methods.map(() => null));
    expect(paramMismatches(specs, out)).toEqual([]);
  });
});
