/**
 * Probes whose scores come back after the trainer has moved on (probe.offThread, src/train/prober.ts):
 * a run probed on a copy of its weights, its scores handed back late, records the same scores, FLOPs
 * and records, in the same order, as a run probed in its own thread; checkpoints hold only
 * complete records; a failed probe fails the run naming its step; nothing leaks.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { sameRun, type RunCheckpoint } from '../src/train/checkpoint';
import type { ExperimentInput } from '../src/train/config';
import { createTrainer } from '../src/train/trainer';
import { localSnapshotProber, type Prober } from '../src/train/prober';
import { STOPPED_BEFORE_FIRST_STEP, type TrainRecord } from '../src/train/records';
import { RunControl, runExperiment } from '../src/train/runner';
import { offThreadReason } from '../src/worker/offThreadProber';
import { useWasmBackend } from '../tooling/tfjsBackends';
import { tinyWasmRun, WASM_INFO } from './tinyWasmRun';

beforeAll(useWasmBackend);

const wasm = WASM_INFO;
// Probes every 3 steps, the dense one too, and a checkpoint at each.
const tiny = (overrides: ExperimentInput = {}) =>
  tinyWasmRun({ steps: 9, evalEvery: 3, checkpointEvery: 3, probe: { trainSize: 48, testSize: 32, k: 5, dense: true }, ...overrides });

/** Scores handed back `n` tasks late: the runner yields a task per step, so about n steps run before each comes in. */
const tasksLater = (n: number) => async () => {
  for (let i = 0; i < n; i++) await new Promise<void>((r) => setImmediate(r));
};
const late = tasksLater(2);

/** What a record says, without the wall-clock fields. */
const measured = ({ wallMs: _w, stepMs: _s, evalMs: _e, probeWorkerMs: _p, ...rest }: TrainRecord) => rest;

describe('probes handed back late (a second worker)', () => {
  it('record the same scores, FLOPs and records, in step order, as probes in the training thread', async () => {
    for (const method of ['supervised', 'mae'] as const) {
      const config = tiny({ method });
      const inline = await runExperiment(config, wasm);
      const seen: string[] = [];
      const prober = localSnapshotProber(config, late);
      const off = await runExperiment(config, wasm, {
        prober,
        onBaseline: () => seen.push('baseline'),
        onRecord: (r) => seen.push(`record ${r.step}`),
      });
      expect(seen).toEqual(['baseline', ...inline.records.map((r) => `record ${r.step}`)]);
      expect(off.records.map(measured)).toEqual(inline.records.map(measured));
      const { ms: _a, ...offBaseline } = off.baseline!;
      const { ms: _b, ...inlineBaseline } = inline.baseline!;
      expect(offBaseline).toEqual(inlineBaseline);
      // The probes' scores arrived: four probes and the end-of-run linear probe, mIoU at each.
      expect(off.records.filter((r) => r.probeAccuracy !== undefined).map((r) => r.step)).toEqual([3, 6, 9]);
      expect(off.records.at(-1)!.linearAccuracy).toBe(inline.records.at(-1)!.linearAccuracy);
      // Each record's evaluation FLOPs include the baseline and every probe up to its step, and grow at each probe.
      off.records.forEach((r, i) => {
        const before = i === 0 ? off.baseline!.flops : off.records[i - 1].evalFlops;
        if (r.probeAccuracy !== undefined) expect(r.evalFlops).toBeGreaterThan(before);
        else expect(r.evalFlops).toBe(before);
      });
      expect(off.records.every((r) => r.patchMiou === undefined || r.patchMiou > 0)).toBe(true);
      // Their time on the second worker is kept apart from the training thread's evalMs, and only grows.
      const workerMs = off.records.map((r) => r.probeWorkerMs!);
      expect(workerMs[0]).toBeGreaterThanOrEqual(off.baseline!.ms);
      expect(workerMs).toEqual([...workerMs].sort((a, b) => a - b));
      expect(inline.records.every((r) => r.probeWorkerMs === undefined)).toBe(true);
    }
  });

  it('keep checkpoints whole: one owed while a probe is out is taken once its record is in, and resumes bit for bit', async () => {
    const config = tiny({ steps: 20, evalEvery: 5, checkpointEvery: 5 });
    const full = await runExperiment(config, wasm);
    const checkpoints: RunCheckpoint[] = [];
    await runExperiment(config, wasm, { prober: localSnapshotProber(config, tasksLater(3)), onCheckpoint: (cp) => checkpoints.push(cp) });
    // Due at 5, 10 and 15 with a probe out each time: owed, and taken a few steps later.
    expect(checkpoints.length).toBeGreaterThan(1);
    expect(checkpoints.every((cp) => cp.trainer.step % 5 !== 0)).toBe(true);
    for (const cp of checkpoints) {
      // Every record up to the checkpoint's step is in it, probe scores included.
      expect(cp.records.map((r) => r.step)).toEqual(full.records.filter((r) => r.step <= cp.trainer.step).map((r) => r.step));
      expect(cp.records.map(measured)).toEqual(full.records.slice(0, cp.records.length).map(measured));
      expect(cp.baseline?.accuracy).toBe(full.baseline!.accuracy);
    }
    const resumed = await runExperiment(config, wasm, {}, checkpoints[0]);
    expect(resumed.records.map(measured)).toEqual(full.records.map(measured));
  });

  it('a stop waits for the probe in flight: its record is in the stop checkpoint', async () => {
    const config = tiny({ steps: 12 });
    const control = new RunControl();
    let atStop: RunCheckpoint | undefined;
    // Stop right after step 4's record is emitted, so step 3's probe is the one emitted last.
    const stopped = await runExperiment(config, wasm, {
      control,
      prober: localSnapshotProber(config, late),
      onRecord: (r) => r.step === 4 && control.stop(),
      onCheckpoint: (cp) => (atStop = cp),
    });
    expect(stopped.stopped).toBe(true);
    const last = stopped.records.at(-1)!;
    expect(atStop!.trainer.step).toBe(last.step);
    expect(atStop!.records.map((r) => r.step)).toEqual(stopped.records.map((r) => r.step));
    expect(stopped.records.find((r) => r.step === 3)?.probeAccuracy).toBeDefined();
  });

  it('a stop before step 1 waits for the baseline out, and ends as stopped before its first step', async () => {
    const config = tiny();
    const control = new RunControl();
    const baselines: number[] = [];
    control.stop();
    await expect(
      runExperiment(config, wasm, { control, prober: localSnapshotProber(config, late), onBaseline: (b) => baselines.push(b.accuracy) }),
    ).rejects.toThrow(STOPPED_BEFORE_FIRST_STEP);
    expect(baselines).toHaveLength(1);
  });

  it('a probe that fails fails the run, naming its step, after the records before it', async () => {
    const config = tiny();
    const seen: number[] = [];
    const failing: Prober = {
      offPath: true,
      start: (_trainer, request) => {
        const result =
          request.step === 6
            ? Promise.reject(new Error(`the probe worker failed at step ${request.step}: out of memory`))
            : localSnapshotProber(config).start(_trainer, request).result;
        return {
          handoff: result.then(
            () => undefined,
            () => undefined,
          ),
          result,
        };
      },
      dispose: () => undefined,
    };
    await expect(runExperiment(config, wasm, { prober: failing, onRecord: (r) => seen.push(r.step) })).rejects.toThrow(/failed at step 6: out of memory/);
    expect(seen).toEqual([1, 2, 3, 4, 5]);
  });

  it('leaves no tensor behind', async () => {
    const config = tiny({ steps: 6 });
    await runExperiment(config, wasm, { prober: localSnapshotProber(config, late) });
    const before = tf.memory().numTensors;
    await runExperiment(config, wasm, { prober: localSnapshotProber(config, late) });
    expect(tf.memory().numTensors).toBe(before);
  });

  it('a trainer refuses weights of another model, naming the first that differs', async () => {
    const tinyTrainer = await createTrainer(tiny());
    const other = await createTrainer(tiny({ model: { ...tinyTrainer.config.model, dim: 48 } }));
    try {
      expect(() => tinyTrainer.setWeights([])).toThrow(/has 0 variables for this run's \d+/);
      await expect(other.weights().then((w) => tinyTrainer.setWeights(w))).rejects.toThrow(/variables 0 has shape \[.*\] where this run has/);
    } finally {
      tinyTrainer.dispose();
      other.dispose();
    }
  });
});

describe('offThreadReason', () => {
  const config = tiny();
  it('sends CPU-bound runs with a probe to a second worker where there is a core for it', () => {
    expect(offThreadReason(config, 'wasm', 2)).toBeNull();
    expect(offThreadReason(config, 'cpu', 8)).toBeNull();
    expect(offThreadReason(tiny({ probe: { offThread: 'on' } }), 'wasm', 1)).toBeNull();
  });
  it('is where a run probes, not what it is: a checkpoint resumes whichever way it is set', () => {
    expect(sameRun(config, tiny({ probe: { ...config.probe, offThread: 'on' } }))).toBe(true);
    expect(sameRun(config, tiny({ probe: { ...config.probe, k: 7 } }))).toBe(false);
  });
  it('names why a run probes in its own thread', () => {
    expect(offThreadReason(config, 'webgpu', 8)).toMatch(/webgpu is not CPU-bound/);
    expect(offThreadReason(config, 'wasm', 1)).toMatch(/reports 1 logical core: .*'on' forces it/);
    expect(offThreadReason(tiny({ probe: { kind: 'none' } }), 'wasm', 8)).toMatch(/no probe/);
    expect(offThreadReason(tiny({ probe: { offThread: 'off' } }), 'wasm', 8)).toMatch(/probe.offThread is 'off'/);
    expect(offThreadReason(tiny({ dataset: { preset: 'imported' } }), 'wasm', 8)).toMatch(/imported/);
  });
});
