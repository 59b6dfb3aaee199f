/** One dataset sample: the image (optionally with its mask blended in), its labels and caption. */
import { useEffect, useRef } from 'react';
import type { ExploredSample } from '../../train/explore';

/** Displayed side in CSS px: the images are a few dozen pixels, drawn pixel for pixel. */
const SHOWN = 88;
/** Background, then one colour per shape class (10). */
const MASK_COLOURS = [
  [0, 0, 0],
  [56, 189, 248],
  [248, 113, 113],
  [52, 211, 153],
  [251, 191, 36],
  [167, 139, 250],
  [244, 114, 182],
  [251, 146, 60],
  [45, 212, 191],
  [163, 230, 53],
  [226, 232, 240],
];

export function SampleTile({ sample, size, showMask }: { sample: ExploredSample; size: number; showMask: boolean }) {
  const ref = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    const ctx = ref.current?.getContext('2d');
    if (!ctx) return;
    const image = ctx.createImageData(size, size);
    for (let p = 0; p < size * size; p++) {
      const k = showMask && sample.mask ? sample.mask[p] : -1;
      for (let c = 0; c < 3; c++) {
        const v = sample.pixels[3 * p + c];
        // Mask view: objects in their class colour over a darkened image, so shapes and classes both read.
        image.data[4 * p + c] = k < 0 ? v : k === 0 ? v * 0.25 : (MASK_COLOURS[k % MASK_COLOURS.length][c] * 3 + v) / 4;
      }
      image.data[4 * p + 3] = 255;
    }
    ctx.putImageData(image, 0, 0);
  }, [sample, size, showMask]);
  return (
    <figure className="sample-tile" data-testid="explorer-sample">
      <canvas ref={ref} className="preview-image" width={size} height={size} style={{ width: SHOWN, height: SHOWN }} />
      <figcaption>
        <div className="sample-labels">
          {sample.labels.length === 0 ? (
            <span className="sample-none">no labels</span>
          ) : (
            sample.labels.map((l, i) => (
              <span key={i} className="chip">
                {l}
              </span>
            ))
          )}
        </div>
        {sample.caption && <div className="sample-caption">“{sample.caption}”</div>}
      </figcaption>
    </figure>
  );
}
