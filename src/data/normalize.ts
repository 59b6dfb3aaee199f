/**
 * The one place the image normalisation lives: ImageNet's channel mean and
 * standard deviation, applied as (p / 255 - mean[c]) / std[c] to every image
 * the encoder sees (scenes, augmented views, imported images, segmentation).
 */
export const IMAGENET_MEAN: readonly [number, number, number] = [0.485, 0.456, 0.406];
export const IMAGENET_STD: readonly [number, number, number] = [0.229, 0.224, 0.225];

/** p / 255 in float64 for every byte p: a pixel value in [0, 1] before normalisation. */
export const BYTE_TO_UNIT = new Float64Array(256);
for (let p = 0; p < 256; p++) BYTE_TO_UNIT[p] = p / 255;

/**
 * (p / 255 - mean[c]) / std[c] rounded to float32, at c * 256 + p for every byte p and channel c:
 * the same arithmetic as normalising BYTE_TO_UNIT[p], so a lookup equals that bit for bit.
 */
export const NORMALISED_BYTE = new Float32Array(768);
for (let c = 0; c < 3; c++) for (let p = 0; p < 256; p++) NORMALISED_BYTE[c * 256 + p] = (BYTE_TO_UNIT[p] - IMAGENET_MEAN[c]) / IMAGENET_STD[c];
