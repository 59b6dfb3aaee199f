/**
 * The lab's supervised training step written in jax-js (@jax-js/jax, a dev dependency): the peer
 * issue 21 measures the lab against, a browser array library that traces a whole step and fuses
 * it (`jit`) into few kernels, on WebGPU or on its own wasm. The same model as the lab's
 * (src/models/vit.ts, mirrored for PyTorch by scripts/bench_torch.py): patches in raster order
 * with pixels (row, col, channel), a Linear patch embedding, a class token, a fixed position
 * table, pre-LN blocks with separate q/k/v Linears, softmax attention, exact GELU, LayerNorm eps
 * 1e-6, the class token's row through a Linear head, cross-entropy against soft targets; AdamW
 * with decay on the rank-2 weights and global-norm clipping, all in one jitted step.
 *
 * jax-js frees an array when its reference count reaches 0 and every call consumes its
 * arguments, so a value used twice is passed as `x.ref` the first time.
 */
import { jit, nn, numpy as np, tree, valueAndGrad } from '@jax-js/jax';
import { seededValues } from '../src/lib/seededValues';
import type { VitConfig } from '../src/models/vit';

type Arr = np.Array;
type Linear = { w: Arr; b: Arr };
type Norm = { g: Arr; b: Arr };
type Block = { ln1: Norm; q: Linear; k: Linear; v: Linear; o: Linear; ln2: Norm; fc1: Linear; fc2: Linear };
type Params = { patch: Linear; cls: Arr; blocks: Block[]; lnf: Norm; head: Linear };

/** The lab's model sizes (the peer has a class token: `pool` is not read), its classes and batch. */
export type PeerSizes = Omit<VitConfig, 'pool'> & { numClasses: number; batchSize: number };

/** A deterministic float32 array of `shape` in [-scale, scale]. */
const seeded = (shape: number[], seed: number, scale: number): Arr =>
  np
    .array(
      seededValues(
        shape.reduce((a, b) => a * b, 1),
        seed,
        scale,
      ),
    )
    .reshape(shape);

function initParams(z: PeerSizes): Params {
  let seed = 1;
  const linear = (i: number, o: number): Linear => ({ w: seeded([i, o], seed++, Math.sqrt(6 / (i + o))), b: np.zeros([o]) });
  const norm = (d: number): Norm => ({ g: np.ones([d]), b: np.zeros([d]) });
  const d = z.dim;
  return {
    patch: linear(z.patchSize * z.patchSize * 3, d),
    cls: seeded([1, 1, d], seed++, 0.02),
    blocks: Array.from({ length: z.depth }, () => ({
      ln1: norm(d),
      q: linear(d, d),
      k: linear(d, d),
      v: linear(d, d),
      o: linear(d, d),
      ln2: norm(d),
      fc1: linear(d, z.mlpDim),
      fc2: linear(z.mlpDim, d),
    })),
    lnf: norm(d),
    head: linear(d, z.numClasses),
  };
}

const linear = (x: Arr, p: Linear): Arr => np.matmul(x, p.w).add(p.b);
const layerNorm = (x: Arr, p: Norm): Arr => nn.standardize(x, -1, { epsilon: 1e-6 }).mul(p.g).add(p.b);

/** Multi-head attention on [B, T, D]: q, k, v as [B, H, T, dh]. */
function attention(x: Arr, blk: Block, z: PeerSizes): Arr {
  const [b, t] = x.shape;
  const dh = z.dim / z.heads;
  const heads = (y: Arr) => y.reshape([b, t, z.heads, dh]).transpose([0, 2, 1, 3]);
  const q = heads(linear(x.ref, blk.q));
  const k = heads(linear(x.ref, blk.k));
  const v = heads(linear(x, blk.v));
  const probs = nn.softmax(np.matmul(q, k.transpose([0, 1, 3, 2])).mul(1 / Math.sqrt(dh)), -1);
  return linear(np.matmul(probs, v).transpose([0, 2, 1, 3]).reshape([b, t, z.dim]), blk.o);
}

function loss(params: Params, images: Arr, targets: Arr, pos: Arr, z: PeerSizes): Arr {
  const g = z.imageSize / z.patchSize;
  const p = z.patchSize;
  const b = z.batchSize;
  const patches = images
    .reshape([b, g, p, g, p, 3])
    .transpose([0, 1, 3, 2, 4, 5])
    .reshape([b, g * g, p * p * 3]);
  let x = np.concatenate([np.broadcastTo(params.cls, [b, 1, z.dim]), linear(patches, params.patch)], 1).add(pos);
  for (const blk of params.blocks) {
    x = x.ref.add(attention(layerNorm(x, blk.ln1), blk, z));
    x = x.ref.add(linear(nn.gelu(linear(layerNorm(x, blk.ln2), blk.fc1), { approximate: false }), blk.fc2));
  }
  const [first, rest] = np.split(layerNorm(x, params.lnf), [1], 1); // the class token's row (a gather's gradient would scatter: jit refuses it)
  rest.dispose();
  const cls = first.reshape([b, z.dim]);
  return targets
    .mul(nn.logSoftmax(linear(cls, params.head), -1))
    .sum(-1)
    .mean()
    .neg();
}

/** One AdamW update of every leaf, after clipping the gradients' global norm to `clip`. */
function adamw(params: Params, m: Params, v: Params, grads: Params, lr: Arr, bc1: Arr, bc2: Arr, clip: number, weightDecay: number) {
  const [ps, def] = tree.flatten(params);
  const ms = tree.leaves(m);
  const vs = tree.leaves(v);
  const gs = tree.leaves(grads);
  const norm = np.sqrt(gs.map((g) => g.ref.mul(g.ref).sum()).reduce((a, s) => a.add(s)));
  const scale = np.minimum(np.divide(clip, norm.add(1e-6)), 1);
  const out = { p: [] as Arr[], m: [] as Arr[], v: [] as Arr[] };
  ps.forEach((p, i) => {
    const g = gs[i].mul(scale.ref);
    const mi = ms[i].mul(0.9).add(g.ref.mul(0.1));
    const vi = vs[i].mul(0.999).add(g.ref.mul(g).mul(0.001));
    const step = mi.ref
      .div(bc1.ref)
      .div(np.sqrt(vi.ref.div(bc2.ref)).add(1e-8))
      .mul(lr.ref);
    const decay = p.ndim === 2 ? p.ref.mul(lr.ref.mul(weightDecay)) : null;
    const next = p.sub(step);
    out.p.push(decay ? next.sub(decay) : next);
    out.m.push(mi);
    out.v.push(vi);
  });
  tree.dispose([scale, lr, bc1, bc2]);
  return { params: tree.unflatten(def, out.p) as Params, m: tree.unflatten(def, out.m) as Params, v: tree.unflatten(def, out.v) as Params };
}

/** A trainer of the peer step: `step()` runs one jitted training step on a fixed batch and returns its loss. */
export function peerTrainer(z: PeerSizes) {
  const tokens = (z.imageSize / z.patchSize) ** 2 + 1;
  let params = initParams(z);
  let m = tree.map((x: Arr) => np.zerosLike(x.ref), params) as Params;
  let v = tree.map((x: Arr) => np.zerosLike(x.ref), params) as Params;
  const pos = seeded([1, tokens, z.dim], 99, 0.1);
  const images = seeded([z.batchSize, z.imageSize, z.imageSize, 3], 7, 1);
  const labels = new Float32Array(z.batchSize * z.numClasses);
  for (let i = 0; i < z.batchSize; i++) labels[i * z.numClasses + (i % z.numClasses)] = 1;
  const targets = np.array(labels).reshape([z.batchSize, z.numClasses]);
  const step = jit((p: Params, mm: Params, vv: Params, x: Arr, y: Arr, q: Arr, lr: Arr, bc1: Arr, bc2: Arr) => {
    const [value, grads] = valueAndGrad((pp: Params) => loss(pp, x, y, q, z))(tree.ref(p));
    return { loss: value, ...adamw(p, mm, vv, grads, lr, bc1, bc2, 1, 0.05) };
  });
  let t = 0;
  return {
    /** Trainable parameters (checked against the lab's count for the same sizes). */
    paramCount: tree.leaves(params).reduce((n, x) => n + x.size, 0),
    /** One step; the loss array (the caller reads or disposes it). */
    step(): Arr {
      t++;
      const out = step(params, m, v, images.ref, targets.ref, pos.ref, np.array(1e-3), np.array(1 - 0.9 ** t), np.array(1 - 0.999 ** t));
      ({ params, m, v } = out);
      return out.loss;
    },
    dispose(): void {
      tree.dispose([params, m, v, pos, images, targets]);
      step.dispose();
    },
  };
}
