/**
 * Runs kept in IndexedDB (fake-indexeddb in Node), through the page's store
 * with an in-process worker on the cpu backend: a run is stored as it
 * happens; after a "reload" (the database reopened) it is listed again, an
 * unfinished one as interrupted, and resuming it from its checkpoint finishes
 * with the uninterrupted run's losses bit for bit; export -> delete -> import
 * gives identical records; a bad file changes nothing; a fatal worker failure
 * restarts the worker and keeps what was recorded.
 */
import 'fake-indexeddb/auto';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import type { BackendInfo } from '../src/engine/backendIds';
import { createLabStore } from '../src/store/labStore';
import { STOPPED_BEFORE_FIRST_STEP } from '../src/train/records';
import { RunsDb } from '../src/store/runsDb';
import { defaultConfig } from '../src/train/config';
import { RunControl, runExperiment } from '../src/train/runner';
import type { LabClient } from '../src/worker/client';
import type { LabWorkerApi } from '../src/worker/protocol';
import { useCpuBackend } from '../tooling/tfjsBackends';

beforeAll(useCpuBackend);

const cpu: BackendInfo = { name: 'cpu', reason: 'test', isSoftware: false, timestampQuery: false };
const CONFIG = {
  method: 'supervised',
  model: 'tiny',
  batchSize: 4,
  steps: 8,
  logEvery: 1,
  checkpointEvery: 3,
  backend: 'cpu',
  probe: { kind: 'none' },
  dataset: { preset: 'shapes', size: 64 },
};

/** The worker's run/pause/stop, in process; `failWith` makes the next run reject as a crashed runtime would. */
function fakeWorker(opts: { stopAfter?: number; failWith?: string } = {}) {
  let control: RunControl | null = null;
  const api: Partial<LabWorkerApi> = {
    async init() {
      return cpu;
    },
    async backends() {
      return [];
    },
    async run(input, onEvent, resumeFrom) {
      if (opts.failWith) throw new Error(opts.failWith);
      control = new RunControl();
      const c = control;
      onEvent({ type: 'backend', backend: cpu });
      return runExperiment(
        defaultConfig(input),
        cpu,
        {
          control: c,
          onRecord: (record) => {
            onEvent({ type: 'record', record });
            if (record.step === opts.stopAfter) c.stop();
          },
          onProfile: (profile) => onEvent({ type: 'profile', profile }),
          onCheckpoint: (checkpoint) => onEvent({ type: 'checkpoint', checkpoint }),
        },
        resumeFrom,
      );
    },
    pause: () => control?.pause(),
    resume: () => control?.resume(),
    stop: () => control?.stop(),
  };
  return api as unknown as LabClient;
}

let dbCount = 0;
const freshName = () => `floplab-test-${dbCount++}`;
const identity = <T>(f: T) => f;

describe('runs that survive a reload', () => {
  it('stores a run as it goes; after a reload it is listed, resumes from its checkpoint and ends with the uninterrupted losses', async () => {
    const name = freshName();
    const uninterrupted = await runExperiment(defaultConfig(CONFIG), cpu);

    const db = await RunsDb.open(name);
    const store = createLabStore(fakeWorker({ stopAfter: 5 }), identity, { db });
    const result = await store.getState().start(CONFIG);
    expect(result.stopped).toBe(true);
    const [stored] = await db.list();
    expect(stored.status).toBe('stopped');
    expect(stored.checkpointStep).toBe(5);
    expect(stored.records.map((r) => r.step)).toEqual([1, 2, 3, 4, 5]);
    db.close();

    // A reload: a new database handle and a new store, as a fresh page would have.
    const db2 = await RunsDb.open(name);
    const store2 = createLabStore(fakeWorker(), identity, { db: db2 });
    const runs = await store2.getState().refreshRuns();
    expect(runs.map((r) => r.id)).toEqual([stored.id]);
    await store2.getState().openRun(stored.id);
    expect(store2.getState().records).toHaveLength(5);
    const resumed = await store2.getState().resumeRun(stored.id);
    expect(resumed.resumedAt).toBe(5);
    expect(resumed.records.map((r) => r.loss)).toEqual(uninterrupted.records.map((r) => r.loss));
    resumed.records.forEach((r, i) => expect(Object.is(r.loss, uninterrupted.records[i].loss)).toBe(true));
    const done = await db2.get(stored.id);
    expect(done?.status).toBe('done');
    expect(done?.records).toHaveLength(8);
    db2.close();
  });

  it('a run left running by a closed tab comes back as interrupted, saying from which step it can resume', async () => {
    const name = freshName();
    const db = await RunsDb.open(name);
    const store = createLabStore(fakeWorker({ stopAfter: 4 }), identity, { db });
    await store.getState().start(CONFIG);
    const [run] = await db.list();
    await db.put({ ...run, status: 'running' });
    db.close();
    const reopened = await RunsDb.open(name);
    const [back] = await reopened.list();
    expect(back.status).toBe('interrupted');
    expect(back.reason).toMatch(/resume from step 4/);
    reopened.close();
  });
});

describe('export, import and bad files', () => {
  it('export -> delete -> import gives the same records; a malformed file is refused and changes nothing', async () => {
    const db = await RunsDb.open(freshName());
    const store = createLabStore(fakeWorker(), identity, { db });
    await store.getState().start({ ...CONFIG, steps: 3 });
    const [run] = await db.list();
    const json = await store.getState().exportRun(run.id, 'json');
    const csv = await store.getState().exportRun(run.id, 'csv');
    expect(csv.trim().split('\n')).toHaveLength(1 + 3);
    await store.getState().deleteRun(run.id);
    expect(await db.list()).toEqual([]);
    const imported = await store.getState().importRunFile(json);
    expect(imported.id).not.toBe(run.id);
    const [back] = await db.list();
    expect(back.records).toEqual(run.records);
    expect(back.config).toEqual(run.config);

    const before = await db.list();
    for (const bad of [json.slice(0, json.length / 2), '{"format":"floplab-run","formatVersion":1,"run":{"__proto__":{"x":1}}}', '<html></html>'])
      await expect(store.getState().importRunFile(bad)).rejects.toThrow(/\S/);
    expect(await db.list()).toEqual(before);
    expect(store.getState().runs.map((r) => r.id)).toEqual(before.map((r) => r.id));
    db.close();
  });
});

describe('worker failure', () => {
  it('an aborted runtime restarts the worker, says so, and keeps the records and runs already stored', async () => {
    const db = await RunsDb.open(freshName());
    const good = createLabStore(fakeWorker(), identity, { db });
    await good.getState().start({ ...CONFIG, steps: 2 });
    const restartWorker = vi.fn(async () => undefined);
    const store = createLabStore(fakeWorker({ failWith: 'RuntimeError: Aborted(). Build with -sASSERTIONS for more info.' }), identity, { db, restartWorker });
    await store.getState().refreshRuns();
    await expect(store.getState().start(CONFIG)).rejects.toThrow(/Aborted/);
    expect(restartWorker).toHaveBeenCalledOnce();
    expect(store.getState().notice).toMatch(/training worker failed .*restarted; every record so far is kept/);
    expect(store.getState().status).toBe('error');
    const runs = await db.list();
    expect(runs.map((r) => r.status).sort()).toEqual(['done', 'error']);
    db.close();
  });
});

describe('stopping early and naming runs', () => {
  it('a stop before the first step is a stop, not an error; run names are unique and readable', async () => {
    const db = await RunsDb.open(freshName());
    const store = createLabStore(fakeWorker({ failWith: STOPPED_BEFORE_FIRST_STEP }), identity, { db });
    await expect(store.getState().start(CONFIG)).rejects.toThrow(/before its first step/);
    expect(store.getState().status).toBe('stopped');
    expect(store.getState().runError).toBeNull();
    const [stopped] = await db.list();
    expect(stopped).toMatchObject({ status: 'stopped', reason: 'stopped before its first step: nothing was trained or recorded' });

    const good = createLabStore(fakeWorker(), identity, { db });
    await good.getState().refreshRuns();
    await good.getState().start({ ...CONFIG, steps: 2 });
    await good.getState().start({ ...CONFIG, steps: 2 });
    const names = (await db.list()).map((r) => r.name);
    expect(names).toEqual([
      'Supervised classification · shapes · tiny · 2 steps · seed 0 (2)',
      'Supervised classification · shapes · tiny · 2 steps · seed 0',
      'Supervised classification · shapes · tiny · 8 steps · seed 0',
    ]);
    db.close();
  });
});

describe('sweep queue', () => {
  it('runs each run of a sweep in turn, stores them, and marks a failed or diverged run with its reason while going on', async () => {
    const { addMethod } = await import('../src/methods/catalog');
    const { defineMethod } = await import('../src/methods/spec');
    const { z } = await import('zod');
    const tf = await import('@tensorflow/tfjs');
    const spec = (label: string, init: Parameters<typeof defineMethod>[0]['load']) =>
      defineMethod({ label, paper: 'https://example.org/none', summary: label, atLabScale: 'not measured', options: z.strictObject({}), load: init });
    addMethod(
      'sweep-nan',
      spec('NaN at step 2', async () => ({
        requires: () => ({ views: [], targets: false, tokens: false }),
        init: (ctx) => ({
          trainable: ctx.encoder.variables,
          loss: (batch, step) =>
            tf.tidy(() => tf.mul(tf.mean(ctx.encoder.features(batch.images, ctx.scope)), step >= 1 ? Number.NaN : 1) as import('@tensorflow/tfjs').Scalar),
          dispose: () => undefined,
        }),
      })),
    );
    addMethod(
      'sweep-broken',
      spec('throws at init', async () => ({
        requires: () => ({ views: [], targets: false, tokens: false }),
        init: () => {
          throw new Error('broken on purpose');
        },
      })),
    );

    const db = await RunsDb.open(freshName());
    const store = createLabStore(fakeWorker(), identity, { db });
    const { steps: _steps, ...base } = CONFIG;
    const progress = await store
      .getState()
      .runSweep({ base, methods: ['supervised', 'sweep-nan', 'sweep-broken'], budgets: [5e7], models: ['tiny'], datasets: ['shapes'] }, { name: 'test sweep' });
    expect(progress.status).toBe('done');
    expect(progress.results.map((r) => [r.key.split('|')[0], r.status])).toEqual([
      ['supervised', 'done'],
      ['sweep-nan', 'diverged'],
      ['sweep-broken', 'error'],
    ]);
    expect(progress.results[1].reason).toMatch(/^loss is NaN at step 2/);
    expect(progress.results[2].reason).toBe('broken on purpose');
    expect(progress.results[0].flops).toBeGreaterThan(0);
    const stored = await db.list();
    expect(stored.map((r) => r.name).sort()).toEqual(progress.results.map((r) => `test sweep · ${r.key}`).sort());
    db.close();
  });
});
