/**
 * Segmentation head of paper A.4 (mmsegmentation's FCN head, as in MAE/BEiT
 * fine-tuning), scaled down: the encoder's last-layer patch tokens (no class
 * token) reshaped to their g x g grid -> two 3x3 convolutions (stride 1,
 * 'same' padding, ReLU) of `width` channels -> a 1x1 convolution to the classes
 * -> bilinear upsampling to pixel resolution.
 *
 * Width: the paper's head has 256 channels on a 768-d ViT-B (1/3 of the token
 * width); the lab's default of 32 on a 48-d toy-B keeps about that ratio.
 * Left out at toy scale: the FCN head's BatchNorm, its dropout (0.1) before the
 * classifier and its concatenation of the input (`concat_input`).
 *
 * How it is built, so that it trains on every backend and its FLOPs are honest:
 * - each 3x3 conv is im2col + one matmul, on a spatial-major [gy, gx, B, C]
 *   grid: the three row taps and the three column taps are built by split and
 *   concat on the leading axis (zero rows at the border: 'same' padding), then
 *   one transpose puts the 9 taps next to the channels and a [M, 9C] x [9C, W]
 *   matmul does the rest: the numbers and the 2 * outputs * 9C FLOPs of Conv2D.
 *   tf.conv2d cannot be trained everywhere: tfjs-wasm has no
 *   Conv2DBackpropFilter kernel, and tfjs-webgpu's is a naive loop. Nine
 *   strided slices would do too, but tfjs-cpu's slice and pad walk element by
 *   element, which made the head most of a step's time in Node tests;
 * - the 1x1 classifier is a matmul on the same grid;
 * - upsampling is two matmuls with a fixed [S, g] interpolation matrix (one per
 *   axis), exact bilinear with half-pixel centres (PyTorch's
 *   align_corners=False, as mmsegmentation resizes logits). tf.image.resizeBilinear
 *   with halfPixelCenters would be cheaper, but tfjs's ResizeBilinearGrad ignores
 *   halfPixelCenters (its gradient belongs to a different interpolation), and
 *   without half-pixel centres logits are shifted by (p-1)/2 pixels. The matmuls
 *   multiply by the matrix's zeros too: their counted FLOPs, 2 * B * K * S * g * (g + S),
 *   are what actually runs (2.5x a 4-tap resize at g = 8, S = 32).
 */
import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../engine/rng';
import { ParamStore } from '../models/layers';
import type { Scoper, VitEncoder } from '../models/vit';

export interface SegHeadConfig {
  /** Token width of the encoder. */
  dim: number;
  /** Patch grid side g (imageSize / patchSize). */
  grid: number;
  /** Output side S in pixels. */
  imageSize: number;
  /** Channels of the two 3x3 convs. */
  width: number;
  numClasses: number;
}

/** He-normal weights (std sqrt(2 / fanIn)) for layers followed by ReLU. */
function heNormal(shape: number[], fanIn: number, rng: Rng): tf.Tensor {
  const std = Math.sqrt(2 / fanIn);
  const n = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(
    Float32Array.from({ length: n }, () => rng.normal() * std),
    shape,
  );
}

/**
 * Bilinear interpolation matrix [outSize, inSize] with half-pixel centres and
 * edge clamping: row o holds the weights of input samples for output o.
 */
export function bilinearMatrix(inSize: number, outSize: number): Float32Array {
  const m = new Float32Array(outSize * inSize);
  for (let o = 0; o < outSize; o++) {
    const src = Math.min(inSize - 1, Math.max(0, ((o + 0.5) * inSize) / outSize - 0.5));
    const lo = Math.floor(src);
    const hi = Math.min(inSize - 1, lo + 1);
    const frac = src - lo;
    m[o * inSize + lo] += 1 - frac;
    m[o * inSize + hi] += frac;
  }
  return m;
}

/**
 * Along axis 0 of x [n, ...], the three taps of a 3-wide 'same' window:
 * [3, n, ...] with tap 0 = x shifted down (row i holds x[i-1], zeros at i = 0),
 * tap 1 = x, tap 2 = x shifted up (row i holds x[i+1], zeros at i = n-1).
 * Built from split and concat on the leading axis, whose gradients are concat
 * and split: contiguous copies on every backend (tfjs-cpu's general slice and
 * pad walk element by element).
 */
function shiftStack(x: tf.Tensor): tf.Tensor {
  const [n, ...rest] = x.shape;
  const zero = tf.zeros([1, ...rest]);
  if (n === 1) return tf.concat([zero, x, zero], 0).reshape([3, n, ...rest]);
  const [head] = tf.split(x, [n - 1, 1], 0);
  const [, tail] = tf.split(x, [1, n - 1], 0);
  return tf.concat([zero, head, x, tail, zero], 0).reshape([3, n, ...rest]);
}

/**
 * 3x3, stride 1, 'same' convolution (+ bias, optional ReLU) on a spatial-major
 * grid x [gy, gx, B, C] -> [gy, gx, B, W], as im2col + one matmul with the
 * filter w [9C, W] (the [3, 3, C, W] conv filter flattened, rows (dy, dx, c)).
 * Rows are shifted on the leading axis, then columns after one transpose, then
 * the taps are moved next to the channels for the matmul.
 */
export function conv3x3(x: tf.Tensor4D, w: tf.Tensor2D, b: tf.Tensor1D, relu: boolean): tf.Tensor4D {
  return tf.tidy(() => {
    const [gy, gx, n, c] = x.shape;
    const rows = shiftStack(x); // [dy, y, x, B, C]
    const cols = shiftStack(tf.transpose(rows, [2, 0, 1, 3, 4])); // [dx, x, dy, y, B, C]
    const patches = tf.transpose(cols, [3, 1, 4, 2, 0, 5]).reshape([gy * gx * n, 9 * c]) as tf.Tensor2D; // [y, x, B, (dy, dx, C)]
    const out = tf.fused.matMul({ a: patches, b: w, bias: b, activation: relu ? 'relu' : 'linear' });
    return out.reshape([gy, gx, n, w.shape[1]]) as tf.Tensor4D;
  });
}

export class SegHead {
  readonly store: ParamStore;
  private readonly conv1: { w: tf.Variable; b: tf.Variable };
  private readonly conv2: { w: tf.Variable; b: tf.Variable };
  private readonly cls: { w: tf.Variable; b: tf.Variable };
  /** Interpolation matrix [S, g], a constant. */
  private readonly up: tf.Tensor2D;

  constructor(
    readonly cfg: SegHeadConfig,
    rng: Rng,
    name = 'seghead',
  ) {
    const { dim, width, numClasses, grid, imageSize } = cfg;
    for (const [key, v] of Object.entries(cfg))
      if (!Number.isInteger(v) || v < 1) throw new Error(`SegHeadConfig.${key} must be a positive integer, got ${String(v)}`);
    this.store = new ParamStore(name);
    const conv = (label: string, inC: number) => ({
      w: this.store.add(`${label}.w`, heNormal([9 * inC, width], 9 * inC, rng.split(label))),
      b: this.store.add(`${label}.b`, tf.zeros([width])),
    });
    this.conv1 = conv('conv1', dim);
    this.conv2 = conv('conv2', width);
    // mmsegmentation initialises the classifier (conv_seg) with normal(0, 0.01).
    const r = rng.split('cls');
    this.cls = {
      w: this.store.add(
        'cls.w',
        tf.tensor(
          Float32Array.from({ length: width * numClasses }, () => r.normal() * 0.01),
          [width, numClasses],
        ),
      ),
      b: this.store.add('cls.b', tf.zeros([numClasses])),
    };
    this.up = tf.tensor2d(bilinearMatrix(grid, imageSize), [imageSize, grid]);
  }

  get variables(): tf.Variable[] {
    return this.store.variables;
  }

  /** Class logits on the patch grid, spatial-major: tokens [B, g*g, D] -> [g, g, B, K]. */
  gridLogits(tokens: tf.Tensor3D): tf.Tensor4D {
    return tf.tidy(() => {
      const [b, n, d] = tokens.shape;
      const g = this.cfg.grid;
      if (n !== g * g || d !== this.cfg.dim) throw new Error(`SegHead expects tokens [B, ${g * g}, ${this.cfg.dim}], got [${tokens.shape.join(', ')}]`);
      // Spatial-major [y, x, B, D]: the convs shift rows and columns on leading axes.
      const x = tf.transpose(tokens, [1, 0, 2]).reshape([g, g, b, d]) as tf.Tensor4D;
      const h1 = conv3x3(x, this.conv1.w as tf.Tensor2D, this.conv1.b as tf.Tensor1D, true);
      const h2 = conv3x3(h1, this.conv2.w as tf.Tensor2D, this.conv2.b as tf.Tensor1D, true);
      const flat = h2.reshape([g * g * b, this.cfg.width]) as tf.Tensor2D;
      const logits = tf.fused.matMul({ a: flat, b: this.cls.w, bias: this.cls.b });
      return logits.reshape([g, g, b, this.cfg.numClasses]) as tf.Tensor4D;
    });
  }

  /** Separable bilinear upsampling, spatial-major [g, g, B, K] -> [B, S, S, K], with 2-D matmuls only. */
  upsample(logits: tf.Tensor4D): tf.Tensor4D {
    return tf.tidy(() => {
      const [g, , b, k] = logits.shape;
      const s = this.cfg.imageSize;
      // Along y: [Sy, gy] x [gy, (gx, B, K)] -> [Sy, gx, B, K].
      const alongY = tf.matMul(this.up, logits.reshape([g, g * b * k]));
      // Along x: [Sx, gx] x [gx, (Sy, B, K)] -> [Sx, Sy, B, K].
      const xFirst = tf.transpose(alongY.reshape([s, g, b, k]), [1, 0, 2, 3]).reshape([g, s * b * k]);
      const alongX = tf.matMul(this.up, xFirst);
      return tf.transpose(alongX.reshape([s, s, b, k]), [2, 1, 0, 3]) as tf.Tensor4D;
    });
  }

  /** Per-pixel class logits: tokens [B, g*g, D] -> [B, S, S, K]. */
  apply(tokens: tf.Tensor3D): tf.Tensor4D {
    return tf.tidy(() => this.upsample(this.gridLogits(tokens)));
  }

  dispose(): void {
    this.store.dispose();
    this.up.dispose();
  }
}

/**
 * The encoder's last-layer (normed) patch tokens, class token dropped: [B, g*g, D].
 * Built from VitEncoder.tokens, which runs embed -> blocks -> final norm.
 */
export function patchTokens(encoder: VitEncoder, images: tf.Tensor4D, scope?: Scoper): tf.Tensor3D {
  return tf.tidy(() => {
    const tokens = encoder.tokens(images, scope);
    if (encoder.cfg.pool !== 'cls') return tokens;
    const [b, t, d] = tokens.shape;
    return tf.slice(tokens, [0, 1, 0], [b, t - 1, d]) as tf.Tensor3D;
  });
}
