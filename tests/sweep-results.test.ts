/**
 * The sweep results file: CSV columns and values (paper-equivalent hours and
 * CO2 by hand), a hostile or wrong file refused by field, and shards merged
 * back into exactly the unsharded file; the reproduce/merge arguments.
 */
import { describe, expect, it } from 'vitest';
import { expandSweep, shardOf } from '../src/experiments/sweep';
import { mergeSweepFiles, parseSweepFile, sweepCsv, sweepFile, SWEEP_CSV_COLUMNS, type SweepPoint } from '../src/experiments/sweepResults';
import { parseMergeArgs, parseReproduceArgs } from '../tooling/reproduceArgs';

const runs = expandSweep({ methods: ['supervised', 'mae'], datasets: ['jft'], models: ['tiny'], budgets: [1e9, 2e9], seeds: [0, 1] });
const point = (i: number): SweepPoint => ({
  key: runs[i].key,
  runId: `run-${i}`,
  status: i === 3 ? 'diverged' : 'done',
  ...(i === 3 ? { reason: 'loss NaN at step 7, "boom"' } : {}),
  method: runs[i].method,
  options: {},
  dataset: runs[i].dataset,
  model: runs[i].model,
  budget: runs[i].budget,
  seed: runs[i].seed,
  steps: 10 + i,
  flops: 1.2e9 * (i + 1),
  accuracy: 0.25 + i / 100,
  probeInterval: [0.2, 0.3],
  patchMiou: 0.15,
  randomInit: { accuracy: 0.2 },
  wallMs: 1500,
  backend: 'wasm',
  config: runs[i].input,
});
const order = runs.map((r) => r.key);
const all = runs.map((_, i) => point(i));

describe('sweep results file', () => {
  it('writes one CSV row per run with the paper-equivalent hours and CO2', () => {
    const csv = sweepCsv(sweepFile('t', order, all))
      .trim()
      .split('\r\n');
    expect(csv[0]).toBe(SWEEP_CSV_COLUMNS.join(','));
    expect(csv).toHaveLength(1 + runs.length);
    // 1.2e9 FLOPs / (32 chips x 123e12 x 0.4) = 7.62e-7 s = 2.117e-10 h; x 32 x 283 W / 1000 = 1.917e-9 kWh; x 0.267 kg/kWh = 5.119e-10 kg.
    expect(csv[1]).toBe(
      'supervised|jft|tiny|1.000e+9|s0,done,,supervised,{},jft,tiny,1000000000,0,10,1200000000,0.25,0.2,0.3,0.15,0.2,,1.5,2.117e-10,5.119e-10,wasm,run-0',
    );
    expect(csv[4]).toContain(',diverged,"loss NaN at step 7, ""boom""",');
  });

  it('reads back what it wrote, and refuses a wrong or hostile file naming the field', () => {
    const file = sweepFile('t', order, all, { preset: 'smoke' });
    expect(parseSweepFile(JSON.stringify(file))).toEqual(file);
    expect(() => parseSweepFile('{')).toThrow(/not JSON/);
    expect(() => parseSweepFile(JSON.stringify({ ...file, format: 'floplab-run' }))).toThrow(/^not a valid sweep results file: format:/);
    expect(() => parseSweepFile(JSON.stringify({ ...file, points: [{ ...all[0], accuracy: 7 }] }))).toThrow(/points\.0\.accuracy/);
    expect(() => parseSweepFile(JSON.stringify({ ...file, points: [{ ...all[0], method: '<img src=x>' }] }))).toThrow(/points\.0\.method: .*HTML/);
    expect(() => parseSweepFile(JSON.stringify({ ...file, extra: 1 }))).toThrow(/extra/);
  });

  it('merging shard files restores the unsharded file; other sweeps, overlaps and gaps are refused', () => {
    const shards = [0, 1, 2].map((i) => sweepFile(`shard ${i}`, order, shardOf(all, i, 3), { preset: 'smoke', shard: [i, 3] }));
    const merged = mergeSweepFiles([shards[2], shards[0], shards[1]]);
    expect(merged.points).toEqual(all);
    expect(merged.shard).toBeUndefined();
    expect(sweepCsv(merged)).toBe(sweepCsv(sweepFile('t', order, all)));
    expect(() => mergeSweepFiles([shards[0], shards[1]])).toThrow(/missing from the shards/);
    expect(() => mergeSweepFiles([shards[0], shards[0], shards[1], shards[2]])).toThrow(/appears in two shards/);
    expect(() => mergeSweepFiles([shards[0], { ...shards[1], order: order.slice(1) }])).toThrow(/belongs to a different sweep/);
    expect(() => mergeSweepFiles([])).toThrow(/nothing to merge/);
  });
});

describe('reproduce and merge arguments', () => {
  it('parses the documented forms', () => {
    expect(parseReproduceArgs(['--preset', 'figure1', '--out', 'o', '--backend=wasm', '--seeds', '3', '--shard', '2/8'])).toEqual({
      preset: 'figure1',
      out: 'o',
      backend: 'wasm',
      seeds: 3,
      shard: [2, 8],
      build: true,
      port: 4185,
    });
    expect(parseReproduceArgs(['--preset=smoke', '--out=o', '--no-build'])).toMatchObject({ build: false });
    expect(parseMergeArgs(['a', 'b', '--out', 'm'])).toEqual({ dirs: ['a', 'b'], out: 'm', build: true, port: 4186 });
  });

  it('names the bad argument', () => {
    expect(() => parseReproduceArgs(['--out', 'o'])).toThrow('--preset is required');
    expect(() => parseReproduceArgs(['--preset', 'fig1', '--out', 'o'])).toThrow(
      "--preset: 'fig1' is not a preset (presets: smoke, figure1, figure2, table1, figure3, a5, talk)",
    );
    expect(() => parseReproduceArgs(['--preset', 'smoke'])).toThrow(/--out is required/);
    expect(() => parseReproduceArgs(['--preset', 'smoke', '--out', 'o', '--backend', 'tpu'])).toThrow("--backend: 'tpu' is not one of webgpu, wasm, cpu");
    expect(() => parseReproduceArgs(['--preset', 'smoke', '--out', 'o', '--seeds', '1.5'])).toThrow("--seeds: '1.5' is not a whole number from 1 to 64");
    expect(() => parseReproduceArgs(['--preset', 'smoke', '--out', 'o', '--shard', '8/8'])).toThrow('--shard: index 8 is not in 0..7');
    expect(() => parseReproduceArgs(['--preset', 'smoke', '--out', 'o', '--shard', 'half'])).toThrow("--shard: 'half' is not i/n (e.g. 0/4)");
    expect(() => parseReproduceArgs(['--preset', 'smoke', '--out', 'o', '--seed', '2'])).toThrow('unknown option --seed');
    expect(() => parseReproduceArgs(['--preset', 'smoke', '--out'])).toThrow('--out needs a value');
    expect(() => parseMergeArgs(['--out', 'm'])).toThrow(/give the shard folders/);
  });
});
