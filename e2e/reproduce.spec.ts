/**
 * `npm run reproduce` end to end, as CI runs it: the smoke preset in two
 * shards, one on the software WebGPU adapter and one on wasm, headless, each
 * writing results.json (a valid sweep file with every run done and probed),
 * results.csv (a row per run) and the chart as SVG and PNG; then `npm run
 * merge` of the two shards restores the whole sweep.
 * Uses the build the e2e step made (--no-build) and ports of its own.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from './test';
import { parseSweepFile, SWEEP_CSV_COLUMNS } from '../src/experiments/sweepResults';
import { expandSweep } from '../src/experiments/sweep';
import { experimentPreset, presetSpec } from '../src/experiments/presets';

/** `npm run <script> -- <args>`: the commands exactly as docs/reproduce.md gives them. */
const npmRun = (script: 'reproduce' | 'merge', args: string[]) =>
  spawnSync('npm', ['run', '--silent', script, '--', ...args], { encoding: 'utf8', timeout: 420_000 });
const PNG_SIGNATURE = '89504e470d0a1a0a';

test('reproduce runs the smoke preset in two shards, one on WebGPU and one on wasm, writing results.json, results.csv and the chart; merge joins them', async () => {
  test.setTimeout(900_000);
  const dir = mkdtempSync(join(tmpdir(), 'floplab-reproduce-'));
  // Half the sweep on the software WebGPU adapter (its first runs are mostly shader compiles, so
  // the whole sweep there was the slowest browser test), the other half on wasm: a job array over two machines.
  const backends = ['webgpu', 'wasm'] as const;
  const all = expandSweep(presetSpec(experimentPreset('smoke'), {})).map((r) => r.key);
  for (const [i, backend] of backends.entries()) {
    const out = join(dir, `shard${i}`);
    const run = npmRun('reproduce', ['--preset', 'smoke', '--out', out, '--backend', backend, '--shard', `${i}/2`, '--no-build', '--port', '4187']);
    expect(run.status, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/\[ {2}2\/2\] done/);
    expect(run.stderr).toContain(`reproduce: ran on ${backend}`);
    const file = parseSweepFile(readFileSync(join(out, 'results.json'), 'utf8'));
    expect(file.order).toEqual(all);
    expect(file.points).toHaveLength(2);
    for (const p of file.points) {
      expect(p.status).toBe('done');
      expect(p.backend).toBe(backend);
      expect(p.accuracy).toBeGreaterThanOrEqual(0);
      // Each run spends its budget to within one step's FLOPs.
      expect(Math.abs(p.flops - p.budget)).toBeLessThanOrEqual(p.flops / p.steps);
    }
    const csv = readFileSync(join(out, 'results.csv'), 'utf8').trim().split('\r\n');
    expect(csv[0]).toBe(SWEEP_CSV_COLUMNS.join(','));
    expect(csv).toHaveLength(1 + 2);
    expect(readFileSync(join(out, 'sweep-chart.svg'), 'utf8')).toMatch(/^<svg[^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    expect(readFileSync(join(out, 'sweep-chart.png')).subarray(0, 8).toString('hex')).toBe(PNG_SIGNATURE);
  }

  // The shards, merged (given in either order), hold every run once, in sweep order.
  const merged = npmRun('merge', [join(dir, 'shard1'), join(dir, 'shard0'), '--out', join(dir, 'merged'), '--no-build', '--port', '4188']);
  expect(merged.status, merged.stderr).toBe(0);
  const file = parseSweepFile(readFileSync(join(dir, 'merged', 'results.json'), 'utf8'));
  expect(file.points.map((p) => p.key)).toEqual(all);
  expect(file.points.every((p) => p.status === 'done')).toBe(true);
  expect(
    readFileSync(join(dir, 'merged', 'results.csv'), 'utf8')
      .trim()
      .split('\r\n'),
  ).toHaveLength(1 + all.length);
  expect(
    readFileSync(join(dir, 'merged', 'sweep-chart.png'))
      .subarray(0, 8)
      .toString('hex'),
  ).toBe(PNG_SIGNATURE);

  // A bad argument fails fast, naming it, with the usage.
  const bad = npmRun('reproduce', ['--preset', 'figure9', '--out', join(dir, 'bad'), '--no-build']);
  expect(bad.status).toBe(2);
  expect(bad.stderr).toContain("--preset: 'figure9' is not a preset");
});
