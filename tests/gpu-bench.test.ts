/**
 * scripts/gpu-bench.sh's whole path on a machine without a GPU (issue 21): in a rehearsal
 * (GPU_BENCH_REHEARSAL=1) it says what is missing, builds, benchmarks one tiny WebGPU step in
 * headless Chromium beside PyTorch, writes the table, and then refuses it, because the adapter
 * is SwiftShader, not a GPU. So the day a GPU is lent, only the GPU is new.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const hasGpu = spawnSync('sh', ['-c', 'command -v nvidia-smi']).status === 0;

describe.skipIf(hasGpu)('gpu-bench.sh without a GPU', () => {
  it('runs every step in a rehearsal and refuses the software adapter at the end', () => {
    const out = join(mkdtempSync(join(tmpdir(), 'gpu-bench-')), 'bench-gpu.json');
    const run = spawnSync('bash', ['scripts/gpu-bench.sh'], {
      env: { ...process.env, GPU_BENCH_REHEARSAL: '1', OUT: out },
      encoding: 'utf8',
      timeout: 280_000,
    });
    const said = `${run.stdout.slice(-2000)}\n${run.stderr.slice(-2000)}`;
    expect(run.stderr, said).toContain('gpu-bench: rehearsal, going on without: nvidia-smi not found');
    // It went all the way: the bench wrote its table, with a WebGPU row that counted a step's FLOPs.
    expect(existsSync(out), said).toBe(true);
    const table = JSON.parse(readFileSync(out, 'utf8')) as { rows: { backend: string; config: string; adapter: string; flopsPerStep: number }[] };
    const gpuRows = table.rows.filter((r) => r.backend === 'webgpu');
    expect(gpuRows.length).toBeGreaterThan(0);
    expect(gpuRows[0].config).toBe('tiny');
    expect(gpuRows[0].flopsPerStep).toBeGreaterThan(1e7);
    // And refused it, naming the software adapter.
    expect(run.stderr, said).toMatch(/gpu-bench: WebGPU ran on a software adapter \(SwiftShader.*\), not the GPU/);
    expect(run.status).toBe(1);
  });
});
