/**
 * How one augmented view of an image is made (SimCLR / BYOL / DINO recipes,
 * scaled to toy images). Methods list the views they need in `requires().views`;
 * the trainer builds them with `augmentView` (src/data/augment.ts), seeded.
 */
export interface ColorJitter {
  /** Probability the jitter is applied at all. */
  p: number;
  brightness: number;
  contrast: number;
  saturation: number;
  hue: number;
}

export interface ViewSpec {
  /** Output side in pixels (global views: the model's imageSize; DINO locals: smaller). */
  size: number;
  /** Random-resized-crop area fraction range, e.g. [0.08, 1]. */
  scale: [number, number];
  /** Aspect-ratio range of the crop, e.g. [3/4, 4/3]. */
  ratio: [number, number];
  /** Probability of a horizontal flip. */
  flipP: number;
  jitter: ColorJitter | null;
  grayscaleP: number;
  /** Probability of a Gaussian blur (radius scaled to the image). */
  blurP: number;
  /** Probability of solarisation (BYOL's second view). */
  solarizeP: number;
}
