/**
 * SimCLR, BYOL and DINO on a tiny shared encoder: loss and gradient flow, the
 * EMA teacher (non-trainable, no gradient, moves towards the student), FLOP
 * attribution per component, crop counts, monitors, and no tensor leaks.
 * Batches are built by hand (flips, crops and resizes of procedural scenes),
 * so the test depends on src/data/augment.ts only through `requires`.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { SceneDataset } from '../src/data/dataset';
import type { ViewSpec } from '../src/data/viewSpec';
import { FlopCounter, type FlopCounts } from '../src/engine/flops/counter';
import { Rng } from '../src/engine/rng';
import { cosineRamp } from '../src/engine/schedule';
import { VitEncoder, type VitConfig } from '../src/models/vit';
import { vitFlops } from '../src/models/vitFlops';
import { byol } from '../src/methods/byol/method';
import { dino, dinoTeacherTemp } from '../src/methods/dino/method';
import { defaultOptions, dinoLocalSide, type DinoOptions } from '../src/methods/catalog';
import { simclr } from '../src/methods/simclr/method';
import type { Batch, MethodRequirements, MethodState } from '../src/methods/types';
import { useCpuBackend } from '../tooling/tfjsBackends';

beforeAll(useCpuBackend);

const tiny: VitConfig = { imageSize: 16, patchSize: 4, dim: 32, depth: 2, heads: 2, mlpDim: 64, pool: 'cls' };
const B = 4;
const STEPS = 50;

interface SslMethod {
  id: string;
  defaults: Record<string, unknown>;
  requires(options: Record<string, unknown>, model?: VitConfig): MethodRequirements;
  init(ctx: unknown): MethodState;
}
const ssl = (id: 'simclr' | 'byol' | 'dino', method: object): SslMethod => ({
  ...(method as Omit<SslMethod, 'id' | 'defaults'>),
  id,
  defaults: defaultOptions(id),
});
const METHODS: { method: SslMethod; teacher: boolean; views: number[] }[] = [
  { method: ssl('simclr', simclr), teacher: false, views: [16, 16] },
  { method: ssl('byol', byol), teacher: true, views: [16, 16] },
  { method: ssl('dino', dino), teacher: true, views: [16, 16, 8, 8] },
];

const dataset = new SceneDataset({ preset: 'shapes', size: 64, numClasses: 10, maxObjects: 1 }, tiny.imageSize, 3);

/** Views made from scenes by flips, crops and resizes: globals at full size, locals smaller. */
function makeBatch(specs: ViewSpec[], step: number): Batch {
  const host = dataset.batch(dataset.stepIndices(step, B));
  const s = tiny.imageSize;
  const images = tf.tensor4d(host.images, [B, s, s, 3]);
  const views = specs.map((spec, v) =>
    tf.tidy(() => {
      let x: tf.Tensor4D = images;
      if (spec.size !== s) {
        const c = 10;
        const [top, left] = [(v * 3 + step) % (s - c + 1), (v * 5 + step) % (s - c + 1)];
        x = tf.image.resizeBilinear(tf.slice(x, [0, top, left, 0], [B, c, c, 3]), [spec.size, spec.size]);
      }
      return v % 2 === 1 ? (tf.reverse(x, 2) as tf.Tensor4D) : tf.clone(x);
    }),
  );
  return { images, views };
}

interface Setup {
  state: MethodState;
  encoder: VitEncoder;
  counter: FlopCounter;
  specs: ViewSpec[];
  /** Non-trainable variables the method created (its EMA teacher / target). */
  teacher: tf.Variable[];
  dispose(): void;
}

function setup(method: SslMethod, options: Record<string, unknown> = {}): Setup {
  const rng = new Rng(11);
  const encoder = new VitEncoder(tiny, rng.split('encoder'));
  const counter = new FlopCounter();
  const opts = { ...method.defaults, ...options };
  const before = new Set(Object.keys(tf.engine().registeredVariables));
  const state = method.init({
    encoder,
    model: tiny,
    numClasses: 10,
    steps: STEPS,
    options: opts,
    rng: rng.split('method'),
    scope: <T>(c: string, f: () => T) => counter.scope(c, f),
  });
  // Non-trainable variables the method created, less its buffers (DINO's centre): the EMA teacher.
  const buffers = new Set((state.buffers ?? []).map((b) => b.name));
  const teacher = Object.entries(tf.engine().registeredVariables)
    .filter(([name, v]) => !before.has(name) && !v.trainable && !buffers.has(name))
    .map(([, v]) => v);
  const specs = method.requires(opts, tiny).views;
  return {
    state,
    encoder,
    counter,
    specs,
    teacher,
    dispose() {
      state.dispose();
      encoder.dispose();
    },
  };
}

/** One training round: loss + grads (optionally w.r.t. extra variables), an SGD step, afterStep. */
function round(su: Setup, step: number, opts: { extra?: tf.Variable[]; count?: boolean; lr?: number } = {}) {
  const batch = makeBatch(su.specs, step);
  let forward: FlopCounts | null = null;
  let backward: FlopCounts | null = null;
  if (opts.count) su.counter.begin('forward');
  const { value, grads } = tf.variableGrads(() => {
    const loss = su.state.loss(batch, step);
    if (opts.count) {
      forward = su.counter.end();
      su.counter.begin('backward');
    }
    return loss;
  }, [...su.state.trainable, ...(opts.extra ?? [])]);
  if (opts.count) backward = su.counter.end();
  const lossValue = value.dataSync()[0];
  const gradInfo = su.state.trainable.map((v) => {
    const g = grads[v.name];
    const data = g ? g.dataSync() : null;
    return { name: v.name, present: !!g, finite: !!data && data.every(Number.isFinite), nonZero: !!data && data.some((d) => d !== 0) };
  });
  const extraGrads = (opts.extra ?? []).map((v) => grads[v.name]);
  const lr = opts.lr ?? 0.05;
  tf.tidy(() => su.state.trainable.forEach((v) => v.assign(tf.sub(v, tf.mul(grads[v.name], lr)))));
  const distBefore = su.teacher.length ? teacherDistance(su) : 0;
  su.state.afterStep?.(step);
  const distAfter = su.teacher.length ? teacherDistance(su) : 0;
  tf.dispose([value, batch.images, ...(batch.views ?? [])]);
  tf.dispose(Object.values(grads).filter((g): g is tf.Tensor => g != null));
  return { lossValue, valueShape: value.shape, gradInfo, extraGrads, forward: forward as FlopCounts | null, backward: backward, distBefore, distAfter };
}

/**
 * L2 distance between the teacher and the student variables it tracks: the
 * teacher is created as encoder copy + head copy, in the student's order, so
 * it pairs with the first `teacher.length` trainable variables.
 */
function teacherDistance(su: Setup): number {
  return tf.tidy(() => {
    const parts = su.teacher.map((t, i) => tf.sum(tf.squaredDifference(t, su.state.trainable[i])));
    return Math.sqrt(tf.addN(parts).dataSync()[0]);
  });
}

describe.each(METHODS)('$method.id', ({ method, teacher, views }) => {
  it('requires its views (sizes in order) and nothing else', () => {
    const r = method.requires(method.defaults, tiny);
    expect(r.views.map((v) => v.size)).toEqual(views);
    expect(r.targets).toBe(false);
    expect(r.tokens).toBe(false);
  });

  it('gives a finite scalar loss and a finite gradient to every trainable variable', () => {
    const su = setup(method);
    const r = round(su, 0);
    expect(r.valueShape).toEqual([]);
    expect(Number.isFinite(r.lossValue)).toBe(true);
    for (const g of r.gradInfo) {
      expect(g.present, `${g.name} has no gradient`).toBe(true);
      expect(g.finite, `${g.name} gradient not finite`).toBe(true);
      expect(g.nonZero, `${g.name} gradient all zero`).toBe(true);
    }
    // The shared encoder is trained, plus the method's own head.
    for (const v of su.encoder.variables) expect(su.state.trainable).toContain(v);
    expect(su.state.trainable.length).toBeGreaterThan(su.encoder.variables.length);
    su.dispose();
  });

  it(teacher ? 'has a non-trainable EMA teacher that gets no gradient and moves towards the student' : 'has no teacher', () => {
    const su = setup(method);
    if (!teacher) {
      expect(su.teacher).toEqual([]);
      su.dispose();
      return;
    }
    expect(su.teacher.length).toBeGreaterThan(su.encoder.variables.length); // encoder copy + head copy
    for (const t of su.teacher) {
      expect(t.trainable).toBe(false);
      expect(su.state.trainable).not.toContain(t);
    }
    su.teacher.forEach((t, i) => expect(t.shape, t.name).toEqual(su.state.trainable[i].shape));
    expect(teacherDistance(su)).toBe(0); // starts as a copy of the student
    const o = { ...method.defaults } as { baseMomentum: number };
    for (const step of [0, 1]) {
      const r = round(su, step, { extra: su.teacher });
      for (const g of r.extraGrads) expect(g).toBeNull();
      expect(r.distBefore).toBeGreaterThan(0);
      expect(r.distAfter).toBeLessThan(r.distBefore);
      // Exactly the EMA contraction: |t' - s| = tau |t - s|.
      expect(r.distAfter / r.distBefore).toBeCloseTo(cosineRamp(step, STEPS, o.baseMomentum, 1), 3);
    }
    su.dispose();
  });

  it('attributes forward FLOPs to encoder / head / loss (and teacher), with no teacher FLOPs in the backward pass', () => {
    const su = setup(method);
    const { forward, backward } = round(su, 0, { count: true });
    const fwd = forward!;
    const bwd = backward!;
    const expected = teacher ? ['encoder', 'head', 'loss', 'teacher'] : ['encoder', 'head', 'loss'];
    expect(Object.keys(fwd.byComponent).sort()).toEqual(expected);
    for (const c of expected) expect(fwd.byComponent[c], c).toBeGreaterThan(0);
    expect(fwd.uncounted).toEqual({});
    expect(bwd.byComponent.teacher).toBeUndefined();
    expect(bwd.byComponent.encoder).toBeGreaterThan(fwd.byComponent.encoder);
    expect(bwd.byComponent.head).toBeGreaterThan(0);
    // Student encoder: one pass over the global views (plus the locals for DINO), exactly as the formula.
    const globals = vitFlops(tiny, 2 * B).forward;
    const locals = views.length > 2 ? vitFlops({ ...tiny, imageSize: views[2] }, (views.length - 2) * B).forward : 0;
    expect(fwd.byComponent.encoder).toBe(globals + locals);
    if (teacher) {
      // Teacher: the two global views only (its encoder), plus its head: less than the student's head on top.
      expect(fwd.byComponent.teacher).toBeGreaterThan(globals);
      expect(fwd.byComponent.teacher).toBeLessThan(globals + fwd.byComponent.head);
    }
    su.dispose();
  });

  it('leaks no tensors over several loss + grad + afterStep (+ monitors) rounds', () => {
    const su = setup(method);
    const full = (step: number) => {
      round(su, step);
      const m = su.state.monitors?.();
      if (m) tf.dispose(Object.values(m));
    };
    full(0); // creates the lazily built constants (local-crop position embedding, kept teacher logits, centres)
    const before = tf.memory().numTensors;
    for (let s = 1; s <= 3; s++) full(s);
    expect(tf.memory().numTensors).toBe(before);
    su.dispose();
  });

  it('dispose frees everything it created (teacher included)', () => {
    const before = tf.memory().numTensors;
    const su = setup(method);
    round(su, 0);
    const m = su.state.monitors?.();
    if (m) tf.dispose(Object.values(m));
    su.dispose(); // the method's state, then the shared encoder (which the trainer owns)
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('DINO specifics', () => {
  it('local crop size: auto is half the image on the patch grid; explicit sizes are kept', () => {
    expect(dinoLocalSide(0, tiny)).toBe(8);
    expect(dinoLocalSide(0, { ...tiny, imageSize: 32 })).toBe(16);
    expect(dinoLocalSide(0, { ...tiny, imageSize: 64, patchSize: 8 })).toBe(32);
    expect(dinoLocalSide(12, { ...tiny, imageSize: 32 })).toBe(12);
    const r = dino.requires({ ...defaultOptions('dino'), localCrops: 2, localSize: 12 }, { ...tiny, imageSize: 32 });
    expect(r.views.map((v) => v.size)).toEqual([32, 32, 12, 12]);
  });

  it('teacher temperature warms up linearly over the first 30% of steps, then stays', () => {
    const o: DinoOptions = { ...defaultOptions('dino'), warmupTeacherTemp: 0.04, teacherTemp: 0.07, teacherTempWarmup: 0.3 };
    expect(dinoTeacherTemp(o, 0, 100)).toBeCloseTo(0.04, 10);
    expect(dinoTeacherTemp(o, 29, 100)).toBeCloseTo(0.07, 10);
    expect(dinoTeacherTemp(o, 14, 100)).toBeGreaterThan(0.05);
    expect(dinoTeacherTemp(o, 14, 100)).toBeLessThan(0.06);
    expect(dinoTeacherTemp(o, 80, 100)).toBe(0.07);
    expect(dinoTeacherTemp({ ...o, teacherTempWarmup: 0 }, 0, 100)).toBe(0.07);
  });

  it('monitors: finite teacher entropy in [0, log K] and a positive centre drift after a step; none before', () => {
    const su = setup(METHODS[2].method, { localCrops: 2 });
    expect(su.state.monitors!()).toEqual({});
    round(su, 0);
    const m = su.state.monitors!();
    expect(Object.keys(m).sort()).toEqual(['centerDrift', 'teacherEntropy', 'teacherMarginalEntropy']);
    // The batch's mean target is at least as spread as each image's (entropy is concave).
    expect(m.teacherMarginalEntropy.dataSync()[0]).toBeGreaterThanOrEqual(m.teacherEntropy.dataSync()[0] - 1e-5);
    const h = m.teacherEntropy.dataSync()[0];
    const drift = m.centerDrift.dataSync()[0];
    expect(m.teacherEntropy.shape).toEqual([]);
    expect(m.centerDrift.shape).toEqual([]);
    expect(Number.isFinite(h)).toBe(true);
    expect(h).toBeGreaterThanOrEqual(0);
    expect(h).toBeLessThanOrEqual(Math.log(defaultOptions('dino').prototypes) + 1e-4);
    expect(Number.isFinite(drift)).toBe(true);
    expect(drift).toBeGreaterThan(0);
    tf.dispose(Object.values(m));
    su.dispose();
  });

  it('the crop count follows localCrops, and a batch with the wrong number of crops is refused', () => {
    const su = setup(METHODS[2].method, { localCrops: 2 });
    expect(su.specs.map((v) => v.size)).toEqual([16, 16, 8, 8]);
    const { forward } = round(su, 0, { count: true });
    expect(forward!.byComponent.encoder).toBe(vitFlops(tiny, 2 * B).forward + vitFlops({ ...tiny, imageSize: 8 }, 2 * B).forward);
    const batch = makeBatch(su.specs.slice(0, 3), 1);
    expect(() => tf.tidy(() => su.state.loss(batch, 1))).toThrow(/4 crops/);
    tf.dispose([batch.images, ...(batch.views ?? [])]);
    su.dispose();
  });
});
