/** "What the method sees": the latest preview panels (MAE: input, masked, reconstruction) drawn pixel for pixel. */
import { useEffect, useRef } from 'react';
import type { Preview } from '../../train/records';
import { Card } from '../../ui/Card';
import { hasMonitors, lastWith } from '../../ui/derived';
import { useLab } from '../../ui/labContext';

/** Displayed side of each image in CSS px (the images are a few dozen pixels). */
const SHOWN = 96;

/** A word on what a known panel shows. */
const PANEL_NOTES: Record<string, string> = {
  masked: 'hidden patches greyed out',
  reconstruction: 'decoder output, visible patches pasted back',
};

/** Full width unless the monitors card sits beside it. */
export function PreviewCard() {
  const record = useLab((s) => lastWith(s.records, 'preview'));
  const wide = !useLab((s) => hasMonitors(s.records));
  const preview = record?.preview;
  if (!record || !preview || preview.panels.length === 0) return null;
  // Images in a square-ish grid per panel, so the panels sit side by side at any width.
  const columns = Math.ceil(Math.sqrt(preview.count));

  return (
    <Card
      title="What the method sees"
      subtitle={`${preview.count} held-out images at step ${record.step}, refreshed at each probe step`}
      className={wide ? 'card-wide' : undefined}
      testId="preview-card"
    >
      <div className="preview-strip" data-testid="preview-strip" data-step={record.step}>
        {preview.panels.map((panel, p) => (
          <figure key={panel.label} className="preview-panel" data-testid={`preview-${panel.label}`}>
            <figcaption>
              <span className="subheading">{panel.label}</span>
              {PANEL_NOTES[panel.label] && <span className="preview-note">{PANEL_NOTES[panel.label]}</span>}
            </figcaption>
            <div className="preview-images" style={{ gridTemplateColumns: `repeat(${columns}, ${SHOWN}px)` }}>
              {Array.from({ length: preview.count }, (_, i) => (
                <PreviewImage key={i} preview={preview} pixels={panel.pixels} index={i} />
              ))}
            </div>
            {wide && p < preview.panels.length - 1 && (
              <span className="preview-arrow" aria-hidden>
                →
              </span>
            )}
          </figure>
        ))}
      </div>
    </Card>
  );
}

function PreviewImage({ preview, pixels, index }: { preview: Preview; pixels: number[]; index: number }) {
  const ref = useRef<HTMLCanvasElement>(null);
  const { size } = preview;
  useEffect(() => {
    const ctx = ref.current?.getContext('2d');
    if (!ctx) return;
    const image = ctx.createImageData(size, size);
    const offset = index * size * size * 3;
    for (let p = 0; p < size * size; p++) {
      image.data[4 * p] = pixels[offset + 3 * p] ?? 0;
      image.data[4 * p + 1] = pixels[offset + 3 * p + 1] ?? 0;
      image.data[4 * p + 2] = pixels[offset + 3 * p + 2] ?? 0;
      image.data[4 * p + 3] = 255;
    }
    ctx.putImageData(image, 0, 0);
  }, [pixels, size, index]);
  return <canvas ref={ref} className="preview-image" width={size} height={size} style={{ width: SHOWN, height: SHOWN }} />;
}
