/**
 * How much device memory a run needs, estimated before it starts, and whether that fits the
 * backend's limits (`checkMemoryFits`): a config that validates can still be far too big
 * (a 48-layer 2048-wide ViT on 512 px images at batch 4096 aborts the wasm runtime). Free of
 * tfjs, so the page shows the estimate beside the model and batch fields; the worker checks
 * it against the live backend's limits (src/engine/memoryLimits.ts) before each run.
 *
 * Everything is float32 (4 bytes) and counts device tensors only (host copies of batches and
 * of the dense probe's scenes live in JS memory, outside the wasm heap and the GPU).
 *
 * What is counted, per phase (a step's peak is the largest phase, on top of what persists):
 *
 * - Persistent: the weights (encoder: `vitFlops(...).params`, exact; the method's heads,
 *   decoder, text tower and frozen EMA copies: from its catalog entry's `encoderPasses`), the
 *   AdamW moments (2 x trainable weights), and the probe's held-out images, which the trainer
 *   keeps on the device once the first probe has built them.
 * - Forward and backward: tfjs keeps, until the whole backward ends, every tensor a gradient
 *   rule saved (the inputs of nearly every op: `engine.saveTensorsForBackwardMode`), and holds
 *   every intermediate gradient in one tidy (`engine.gradients`): each op input on the path
 *   gets its own gradient, and a tensor read k times (LayerNorm's input, the q/k/v input, the
 *   residuals) gets k of them plus their sums. So a differentiated pass costs its forward
 *   outputs plus GRADIENT_FACTOR (1.5) times them (measured: 1.35 on the cpu backend, toy-B),
 *   and a frozen teacher pass about one block's forward outputs (it runs off the tape, so its
 *   blocks' outputs are freed as it goes; src/engine/tape.ts). Per image and block of width D, MLP width M
 *   and h heads over T tokens, the forward outputs are 24 D + 6 M + 8 floats per token plus
 *   3 h T of attention per token (`blockFloats`); plus the patch copy, embedding and final
 *   norm (`passCost`), the method's own layers (`extraFloats`) and loss matrices over pairs of
 *   images (`pairFloats`: SimCLR, CLIP). Plus the batch's uploaded views and their
 *   concatenation, the weight gradients, and a margin of 3 x the largest batch tensor for what
 *   a gradient rule builds and frees.
 * - Optimiser: AdamW.step (src/engine/optimizer.ts) builds each tensor's update in its own
 *   tidy, about 17 temporaries of that tensor's size (scaled gradient, its square, the two
 *   moments' products and sums, bias corrections, sqrt, the update, decay, the new value),
 *   freed before the next tensor's; so the phase holds the weight gradients plus 17 copies
 *   of the largest trainable tensor (bounded here by the largest weight matrix of the encoder
 *   or of another transformer, or a method's whole `extraParams`, whichever is larger).
 * - Probe: the features of the held-out images, the kNN similarity matrix, one chunk's
 *   inference activations (64 images, no tape) and the dense probe's patch features.
 *
 * Approximations: unsaved temporaries (the scaled attention scores) are counted as held;
 * reshapes share their input's buffer and cost nothing; the heads' floats are about the sum of
 * their outputs; the supervised head assumes 100 classes. Not counted: the allocator's
 * fragmentation (wasm's malloc, WebGPU's buffer pool), tfjs's cached constants (position
 * embeddings, masks), and heads' own tensors as candidates for the largest tensor (DINO's
 * [B x crops, K] logits). tests/memory-estimate.test.ts holds the estimate within 1-1.5x of the
 * buffers tfjs really holds at a step's peak on the cpu backend, and within 0.5-4x of
 * `tf.profile().peakBytes` (which counts each tensor handle, saved clones and reshapes included),
 * for several methods at tiny and toy-B.
 */
import { methodSpec } from '../methods/catalog';
import type { EncoderPass } from '../methods/spec';
import type { VitConfig } from '../models/vit';
import { blockParams, vitFlops } from '../models/vitFlops';
import type { ExperimentConfig } from './config';
import { formatBytes } from '../lib/bytes';

const FLOAT_BYTES = 4;

/** Gradient floats per forward output float of a differentiated pass (see the file note). */
const GRADIENT_FACTOR = 1.5;
/** AdamW.step's temporaries per weight of the tensor being updated (see the file note). */
const OPTIMIZER_TEMPORARIES = 17;
/** Images per chunk when the probe embeds its sets (src/eval/knn.ts `embed`). */
const PROBE_CHUNK = 64;
/** The dense patch probe's scenes (src/eval/densePatchProbe.ts densePatchSets: 256 train + 128 test). */
const DENSE_PROBE_IMAGES = 256 + 128;

export interface MemoryEstimate {
  /** The config estimated (so `checkMemoryFits` can try smaller batches). */
  config: ExperimentConfig;
  /** Trainable weights: the encoder and the method's own (heads, decoder, text tower). */
  trainableParams: number;
  /** Frozen EMA copies (BYOL's target, DINO's teacher): weights without gradients or Adam state. */
  frozenParams: number;
  /** Of the trainable weights, the encoder's (vitFlops, exact). */
  encoderParams: number;
  /** All weights, trainable and frozen. */
  paramsBytes: number;
  /** One gradient per trainable weight. */
  gradientsBytes: number;
  /** AdamW's two moments per trainable weight. */
  adamBytes: number;
  /** AdamW.step's temporaries (the optimiser phase): one tensor's update at a time. */
  optimizerStepBytes: number;
  /** Forward tensors kept for the backward and their gradients, every pass, the whole batch. */
  activationsBytes: number;
  /** The batch's uploaded images and views and their concatenations. */
  inputsBytes: number;
  /** What gradient rules build and free as they run: 3 x the largest batch tensor. */
  transientBytes: number;
  /** The probe's held-out images, on the device for the whole run. */
  probeBytes: number;
  /** The probe's features, similarities and one chunk's activations, while it runs. */
  probeTransientBytes: number;
  /** The peak: persistent + max(forward/backward, optimiser, probe). */
  totalBytes: number;
  /** Bytes that grow with the batch (activations, inputs, margin). */
  batchBytes: number;
  largestTensorBytes: number;
  /** What the largest tensor is, with its shape. */
  largestTensor: string;
  /** Whether the largest tensor grows with the batch. */
  largestScalesWithBatch: boolean;
  /** Encoder (and decoder, text tower) passes per batch image: views, crops, teacher passes. */
  passesPerImage: number;
}

interface Transformer {
  dim: number;
  depth: number;
  heads: number;
  mlpDim: number;
}

/**
 * Forward outputs of one pre-LN block (src/models/vit.ts Block.apply) for one image of `t`
 * tokens, in floats: per token, each LayerNorm's 6 D-wide outputs (x - mean twice, its square,
 * normalised, scaled, shifted) and 4 row statistics, twice; q, k, v and their head-split
 * transposes (6 D); the attention context and its merge transpose (2 D); projection and
 * residual (2 D); fc2 and residual (2 D): 24 D + 8. fc1 and exact GELU's five outputs: 6 M.
 * Attention: raw scores, scaled, softmax: 3 h T per token.
 */
function blockFloats(t: number, tr: Transformer): number {
  return t * (24 * tr.dim + 6 * tr.mlpDim + 8) + 3 * tr.heads * t * t;
}

interface PassCost {
  /** Floats per image held until the backward ends (forward kept, and gradients when differentiated). */
  heldPerImage: number;
  /** Floats of the pass's pair matrices held for the whole batch. */
  pairs: number;
  /** Uploaded and concatenated images, floats for the whole batch. */
  inputs: number;
  candidates: { floats: number; what: string }[];
}

const prefixOf = (model: VitConfig) => (model.pool === 'cls' ? 1 : 0);

function passCost(pass: EncoderPass, model: VitConfig, batch: number): PassCost {
  const p = model.patchSize;
  const prefix = prefixOf(model);
  const rows = batch * pass.count;
  const perView = pass.count > 1 ? ` x ${pass.count} views` : '';
  let tr: Transformer;
  let t: number;
  let outer: number;
  let inputs = 0;
  const candidates: { floats: number; what: string }[] = [];
  if (pass.blocks) {
    // Another transformer (MAE's decoder, CLIP's text tower): its input and final norm; its embeddings are in extraFloats.
    tr = pass.blocks;
    t = pass.blocks.tokens ?? (model.imageSize / p) ** 2 + prefix;
    outer = 7 * t * tr.dim;
  } else {
    tr = model;
    const s = pass.imageSize;
    const n = (s / p) ** 2;
    t = Math.round(n * (pass.tokenFraction ?? 1)) + prefix;
    // Patch copy (patchify's transpose), patch embedding and position embedding over all n patches,
    // the kept rows (MAE) and the class-token concat, the final LayerNorm (6 D), the pooled row.
    outer = s * s * 3 + 2 * n * tr.dim + 8 * t * tr.dim + tr.dim;
    // The uploaded views and their concatenation into one encoder call.
    inputs = 2 * rows * s * s * 3;
    candidates.push({ floats: rows * s * s * 3, what: `the ${s} px views [${rows}, ${s}, ${s}, 3] (batch ${batch}${perView})` });
  }
  const forwardPerImage = tr.depth * blockFloats(t, tr) + outer + (pass.extraFloats ?? 0);
  // A frozen teacher runs off the tape (src/engine/tape.ts): each block's outputs are freed as the
  // next one runs, so it holds about one block's forward and its head's outputs at a time.
  const heldPerImage = pass.grad ? (1 + GRADIENT_FACTOR) * forwardPerImage : blockFloats(t, tr) + outer + (pass.extraFloats ?? 0);
  const pairs = (pass.grad ? 1 + GRADIENT_FACTOR : 1) * (pass.pairFloats ?? 0) * rows * rows;
  const who = pass.blocks ? `${pass.blocks.dim}-wide ${pass.blocks.depth}-layer transformer` : pass.grad ? 'encoder' : 'teacher encoder';
  candidates.push(
    { floats: rows * tr.heads * t * t, what: `the ${who}'s attention scores [${rows * tr.heads}, ${t}, ${t}] (batch ${batch}${perView} x ${tr.heads} heads)` },
    { floats: rows * t * tr.mlpDim, what: `the ${who}'s MLP hidden [${rows * t}, ${tr.mlpDim}] (batch ${batch}${perView} x ${t} tokens)` },
  );
  if (pass.pairFloats) candidates.push({ floats: rows * rows, what: `the loss's similarity matrix [${rows}, ${rows}]` });
  return { heldPerImage, pairs, inputs, candidates };
}

/** Weights of a block stack of another transformer (without patch embedding or final norm). */
const stackParams = (tr: Transformer): number => tr.depth * blockParams(tr.dim, tr.mlpDim);

/** The passes of the config's method: its catalog entry's, else one full-size pass with gradient. */
function encoderPassesOf(config: ExperimentConfig): EncoderPass[] {
  const spec = methodSpec(config.method);
  return spec?.encoderPasses?.(config.methodOptions, config.model) ?? [{ imageSize: config.model.imageSize, count: 1, grad: true }];
}

/** Device memory of a run of `config` (see the file note for what is counted). */
export function estimateMemory(config: ExperimentConfig): MemoryEstimate {
  const { model, batchSize: b } = config;
  const passes = encoderPassesOf(config);
  const encoderParams = vitFlops(model, 1).params;

  let trainableParams = encoderParams;
  let frozenParams = passes.some((p) => !p.grad && !p.blocks) ? encoderParams : 0; // the EMA copy of the encoder
  for (const pass of passes) {
    const own = (pass.extraParams ?? 0) + (pass.blocks ? stackParams(pass.blocks) : 0);
    if (pass.grad) trainableParams += own;
    else frozenParams += own;
  }

  const costs = passes.map((pass) => passCost(pass, model, b));
  const s = model.imageSize;
  // batch.images, the un-augmented batch, is uploaded every step whatever the method uses.
  const inputsFloats = b * s * s * 3 + costs.reduce((sum, c) => sum + c.inputs, 0);
  const activationFloats = costs.reduce((sum, c, i) => sum + b * passes[i].count * c.heldPerImage + c.pairs, 0);

  // Largest single tensor: batch tensors of every pass, weights, probe sets.
  const candidates = costs.flatMap((c) => c.candidates.map((x) => ({ ...x, batch: true })));
  const p3 = model.patchSize * model.patchSize * 3;
  candidates.push(
    { floats: model.dim * model.mlpDim, what: `an MLP weight [${model.dim}, ${model.mlpDim}]`, batch: false },
    { floats: p3 * model.dim, what: `the patch embedding weight [${p3}, ${model.dim}]`, batch: false },
  );
  const probe = config.probe;
  const probing = probe.kind !== 'none';
  if (probing) {
    candidates.push({ floats: probe.trainSize * s * s * 3, what: `the probe's training images [${probe.trainSize}, ${s}, ${s}, 3]`, batch: false });
    candidates.push({ floats: probe.trainSize * probe.testSize, what: `the probe's similarities [${probe.testSize}, ${probe.trainSize}]`, batch: false });
  }
  const largest = candidates.reduce((a, c) => (c.floats > a.floats ? c : a));
  const largestBatch = Math.max(...candidates.filter((c) => c.batch).map((c) => c.floats));

  const transientFloats = 3 * largestBatch;
  const gradientsFloats = trainableParams;
  // One tensor's update at a time: an upper bound on the largest trainable tensor.
  const largestTrainable = Math.max(
    model.dim * model.mlpDim,
    p3 * model.dim,
    ...passes.filter((pass) => pass.grad).map((pass) => Math.max(pass.extraParams ?? 0, pass.blocks ? pass.blocks.dim * pass.blocks.mlpDim : 0)),
  );
  const optimizerFloats = OPTIMIZER_TEMPORARIES * largestTrainable;

  const probeFloats = probing ? (probe.trainSize + probe.testSize) * s * s * 3 : 0;
  let probeTransientFloats = 0;
  if (probing) {
    const n = (s / model.patchSize) ** 2;
    // Inference runs outside the tape: each block's tidy frees its intermediates, so one chunk holds
    // one block's outputs besides the embedding and its output.
    const chunk = PROBE_CHUNK * (blockFloats(n + prefixOf(model), model) + s * s * 3 + 10 * (n + prefixOf(model)) * model.dim);
    probeTransientFloats =
      2 * (probe.trainSize + probe.testSize) * model.dim + // features and their normalised copy
      2 * probe.trainSize * probe.testSize + // similarities and what top-k reads of them
      chunk +
      (probe.dense ? 2 * DENSE_PROBE_IMAGES * n * model.dim : 0); // the dense probe's patch features
  }

  const persistent = (trainableParams + frozenParams) * 1 + 2 * trainableParams + probeFloats;
  const backwardPhase = activationFloats + inputsFloats + transientFloats + gradientsFloats;
  const optimizerPhase = gradientsFloats + optimizerFloats;
  const totalFloats = persistent + Math.max(backwardPhase, optimizerPhase, probeTransientFloats);

  const B = FLOAT_BYTES;
  return {
    config,
    trainableParams,
    frozenParams,
    encoderParams,
    paramsBytes: B * (trainableParams + frozenParams),
    gradientsBytes: B * gradientsFloats,
    adamBytes: B * 2 * trainableParams,
    optimizerStepBytes: B * optimizerFloats,
    activationsBytes: B * activationFloats,
    inputsBytes: B * inputsFloats,
    transientBytes: B * transientFloats,
    probeBytes: B * probeFloats,
    probeTransientBytes: B * probeTransientFloats,
    totalBytes: B * totalFloats,
    batchBytes: B * (activationFloats + inputsFloats + transientFloats),
    largestTensorBytes: B * largest.floats,
    largestTensor: largest.what,
    largestScalesWithBatch: largest.batch,
    passesPerImage: passes.reduce((sum, p) => sum + p.count, 0),
  };
}

/**
 * What a profile, benchmark or method comparison runs: training steps, never a probe (the
 * trainer builds the probe's images at its first probe, which these calls never reach).
 * Their memory check prices this config, so paper scale is not refused for a probe it skips.
 */
export function withoutProbe(config: ExperimentConfig): ExperimentConfig {
  return { ...config, probe: { ...config.probe, kind: 'none' } };
}

/**
 * The estimate's total as named parts that add up to it: what stays for the whole run
 * (weights, AdamW state, the probe's images), then the phase with the highest peak (the
 * forward/backward, the optimiser step or the probe) with its own parts. Zero parts are left out.
 */
export function memoryParts(e: MemoryEstimate): { what: string; bytes: number }[] {
  const b = e.config.batchSize;
  const passes = e.passesPerImage > 1 ? ` x ${e.passesPerImage} passes` : '';
  const backward = [
    { what: 'gradients', bytes: e.gradientsBytes },
    { what: `activations for batch ${b}${passes}`, bytes: e.activationsBytes },
    { what: 'input images and views', bytes: e.inputsBytes },
    { what: "the backward pass's temporaries", bytes: e.transientBytes },
  ];
  const optimizer = [
    { what: 'gradients', bytes: e.gradientsBytes },
    { what: "the optimiser step's temporaries", bytes: e.optimizerStepBytes },
  ];
  const probe = [{ what: "the probe's features and one chunk's activations", bytes: e.probeTransientBytes }];
  const sum = (parts: { bytes: number }[]) => parts.reduce((a, p) => a + p.bytes, 0);
  const phase = [backward, optimizer, probe].reduce((a, p) => (sum(p) > sum(a) ? p : a));
  return [
    { what: 'weights', bytes: e.paramsBytes },
    { what: 'AdamW state', bytes: e.adamBytes },
    { what: "the probe's held-out images", bytes: e.probeBytes },
    ...phase,
  ].filter((p) => p.bytes > 0);
}

/** memoryParts as a list for a message: "weights 328 MiB, AdamW state 656 MiB, ...". */
export function memoryPartsText(e: MemoryEstimate): string {
  return memoryParts(e)
    .map((p) => `${p.what} ${formatBytes(p.bytes)}`)
    .join(', ');
}
