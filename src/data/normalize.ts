/**
 * The one place the image normalisation lives: ImageNet's channel mean and
 * standard deviation, applied as (p / 255 - mean[c]) / std[c] to every image
 * the encoder sees (scenes, augmented views, imported images, segmentation).
 */
export const IMAGENET_MEAN: readonly [number, number, number] = [0.485, 0.456, 0.406];
export const IMAGENET_STD: readonly [number, number, number] = [0.229, 0.224, 0.225];
