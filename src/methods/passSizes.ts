/**
 * Sizes the methods' specs use to price their encoder passes for the memory estimate
 * (`encoderPasses`, src/train/memoryEstimate.ts). The estimate prices the transformer blocks from
 * the model; each spec adds its own layers: weights (`extraParams`) and about the sum of their
 * forward outputs per image (`extraFloats`), read off the method's implementation. Sizes the
 * implementations use come from tfjs-free modules both sides import (maeDecoderShape,
 * textSizes, dinoLocalSide).
 */

export const linearParams = (inDim: number, outDim: number, bias = true) => inDim * outDim + (bias ? outDim : 0);

/** Classes the supervised head is sized for: the presets have at most 70 (JFT-like); an imported set has its folders'. */
export const ASSUMED_CLASSES = 100;

/** A hidden Linear + BatchNorm + ReLU layer keeps about 9 outputs of its width (BN: sub, square, sub, rsqrt-mul, gamma, beta). */
export const BN_LAYER_FLOATS = 9;
/** A hidden Linear + exact GELU layer keeps 6 outputs of its width (src/models/layers.ts gelu: 4 ops + the product). */
export const GELU_LAYER_FLOATS = 6;
