/**
 * Analytic FLOPs of the segmentation head (segHead.ts), the cross-check for the
 * kernel counter, with the counter's conventions (1 multiply-add = 2 FLOPs,
 * elementwise 1 per output element, reductions 1 per input element, data
 * movement 0). M = B * g * g grid positions.
 *
 * Forward, exact: conv1 and conv2 are fused matmuls [M, 9C] x [9C, W] with bias
 * and ReLU (2*M*9C*W + 2*M*W); the classifier [M, W] x [W, K] with bias; the
 * upsampling two matmuls, [S, g] x [g, g*B*K] and [S, g] x [g, S*B*K]. Split,
 * concat, reshape and transpose are 0.
 *
 * Backward, as tfjs runs it (with the input tokens' gradient, since the encoder
 * is fine-tuned too): each fused matmul computes dA and dB (2x its matmul), its
 * ReLU gradient dy * step(y) (2 per output) and its bias gradient, a sum (1 per
 * output); the upsampling matmuls need only the logits' gradient (the matrix is
 * a constant), i.e. as much as forward; in each conv, the input of each of the
 * two tap stacks is used three times (two splits and the centre tap), so the
 * engine adds three gradients: 2 adds over [M, C] for the rows and 2 over
 * [3M, C] for the columns, 8*M*C.
 */
import type { SegHeadConfig } from './segHead';

export interface SegHeadFlops {
  forward: number;
  backward: number;
  /** forward + backward */
  total: number;
  params: number;
}

export function segHeadFlops(cfg: SegHeadConfig, batch: number): SegHeadFlops {
  const { dim: d, grid: g, imageSize: s, width: w, numClasses: k } = cfg;
  const m = batch * g * g;
  const convFwd = (c: number) => 2 * m * 9 * c * w + 2 * m * w;
  const convBwd = (c: number) => 4 * m * 9 * c * w + 3 * m * w + 8 * m * c;
  const clsFwd = 2 * m * w * k + m * k;
  const clsBwd = 4 * m * w * k + m * k;
  const upsample = 2 * batch * k * s * g * (g + s);
  const forward = convFwd(d) + convFwd(w) + clsFwd + upsample;
  const backward = convBwd(d) + convBwd(w) + clsBwd + upsample;
  const params = 9 * d * w + w + 9 * w * w + w + w * k + k;
  return { forward, backward, total: forward + backward, params };
}
