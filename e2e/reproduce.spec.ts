/**
 * `npm run reproduce` end to end, as CI runs it: the smoke preset on the
 * software WebGPU adapter, headless, writing results.json (a valid sweep file
 * with every run done and probed), results.csv (a row per run) and the chart
 * as SVG and PNG; then `npm run merge` of two shards restores the same runs.
 * Uses the build the e2e step made (--no-build) and ports of its own.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from './test';
import { parseSweepFile, SWEEP_CSV_COLUMNS } from '../src/train/sweepResults';
import { expandSweep } from '../src/train/sweep';
import { experimentPreset, presetSpec } from '../src/train/experimentPresets';

/** `npm run <script> -- <args>`: the commands exactly as docs/reproduce.md gives them. */
const npmRun = (script: 'reproduce' | 'merge', args: string[]) => spawnSync('npm', ['run', '--silent', script, '--', ...args], { encoding: 'utf8', timeout: 420_000 });
const PNG_SIGNATURE = '89504e470d0a1a0a';

test('reproduce runs the smoke preset on WebGPU and writes results.json, results.csv and the chart; merge joins shards', async () => {
  test.setTimeout(900_000);
  const dir = mkdtempSync(join(tmpdir(), 'floplab-reproduce-'));
  const out = join(dir, 'smoke');
  const run = npmRun('reproduce', ['--preset', 'smoke', '--out', out, '--backend', 'webgpu', '--no-build', '--port', '4187']);
  expect(run.status, run.stderr).toBe(0);
  expect(run.stderr).toMatch(/\[  4\/4\] done/);

  const expected = expandSweep(presetSpec(experimentPreset('smoke'), { backend: 'webgpu' })).map((r) => r.key);
  const file = parseSweepFile(readFileSync(join(out, 'results.json'), 'utf8'));
  expect(file.points.map((p) => p.key)).toEqual(expected);
  for (const p of file.points) {
    expect(p.status).toBe('done');
    expect(p.backend).toBe('webgpu');
    expect(p.accuracy).toBeGreaterThanOrEqual(0);
    // Each run spends its budget to within one step's FLOPs.
    expect(Math.abs(p.flops - p.budget)).toBeLessThanOrEqual(p.flops / p.steps);
  }
  const csv = readFileSync(join(out, 'results.csv'), 'utf8').trim().split('\n');
  expect(csv[0]).toBe(SWEEP_CSV_COLUMNS.join(','));
  expect(csv).toHaveLength(1 + expected.length);
  expect(readFileSync(join(out, 'sweep-chart.svg'), 'utf8')).toMatch(/^<svg[^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/);
  expect(readFileSync(join(out, 'sweep-chart.png')).subarray(0, 8).toString('hex')).toBe(PNG_SIGNATURE);

  // Two shards of the same sweep on wasm, merged, hold every run once, in sweep order.
  for (const i of [0, 1]) {
    const shard = npmRun('reproduce', ['--preset', 'smoke', '--out', join(dir, `shard${i}`), '--backend', 'wasm', '--shard', `${i}/2`, '--no-build', '--port', '4187']);
    expect(shard.status, shard.stderr).toBe(0);
  }
  const merged = npmRun('merge', [join(dir, 'shard1'), join(dir, 'shard0'), '--out', join(dir, 'merged'), '--no-build', '--port', '4188']);
  expect(merged.status, merged.stderr).toBe(0);
  const all = parseSweepFile(readFileSync(join(dir, 'merged', 'results.json'), 'utf8'));
  expect(all.points.map((p) => p.key)).toEqual(expandSweep(presetSpec(experimentPreset('smoke'), { backend: 'wasm' })).map((r) => r.key));
  expect(readFileSync(join(dir, 'merged', 'sweep-chart.png')).subarray(0, 8).toString('hex')).toBe(PNG_SIGNATURE);

  // A bad argument fails fast, naming it, with the usage.
  const bad = npmRun('reproduce', ['--preset', 'figure9', '--out', out, '--no-build']);
  expect(bad.status).toBe(2);
  expect(bad.stderr).toContain("--preset: 'figure9' is not a preset");
});
