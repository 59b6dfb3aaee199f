/**
 * A chart as an image: the recharts surface inside the element with
 * `data-testid={target}`, serialised with the page's background behind it (the
 * SVG), and drawn at twice its size into a canvas (the PNG). The page's export
 * buttons and `floplab.chartImage` (for `npm run reproduce`) share it.
 */
const BACKGROUND = '#151e31';

const SVG_NS = 'http://www.w3.org/2000/svg';
const LEGEND_FONT = 13;
const LEGEND_ROW = 22;

/**
 * The chart's HTML legend (`.legend-item`s beside the surface) drawn into the image, so that an
 * exported chart says which line is which: each item's own SVG glyph, or a swatch in its colour,
 * then its text, wrapped to the chart's width. Returns the group and its height.
 */
function legendGroup(container: Element, width: number, font: string): { group: SVGGElement; height: number } | null {
  const items = [...container.querySelectorAll<HTMLElement>('.legend-item')].filter((li) => li.textContent?.trim());
  if (items.length === 0) return null;
  const measure = document.createElement('canvas').getContext('2d');
  if (measure) measure.font = `${LEGEND_FONT}px ${font}`;
  const group = document.createElementNS(SVG_NS, 'g');
  let x = 8;
  let y = 6;
  for (const li of items) {
    const text = li.textContent.trim();
    const textWidth = measure ? measure.measureText(text).width : text.length * 7;
    const glyph = li.querySelector('svg');
    const glyphWidth = glyph ? Number(glyph.getAttribute('width')) || 24 : 12;
    if (x > 8 && x + glyphWidth + 6 + textWidth > width - 8) {
      x = 8;
      y += LEGEND_ROW;
    }
    if (glyph) {
      const g = glyph.cloneNode(true) as SVGSVGElement;
      g.setAttribute('x', String(x));
      g.setAttribute('y', String(y + (LEGEND_ROW - (Number(glyph.getAttribute('height')) || 12)) / 2 - 3));
      group.appendChild(g);
    } else {
      const swatch = li.firstElementChild as HTMLElement | null;
      const style = swatch ? getComputedStyle(swatch) : null;
      const colour = style && style.backgroundColor !== 'rgba(0, 0, 0, 0)' ? style.backgroundColor : (style?.borderTopColor ?? '#e2e8f0');
      const rect = document.createElementNS(SVG_NS, 'rect');
      Object.entries({ x, y: y + 4, width: 10, height: 10, rx: 2, fill: colour }).forEach(([k, v]) => rect.setAttribute(k, String(v)));
      group.appendChild(rect);
    }
    const label = document.createElementNS(SVG_NS, 'text');
    Object.entries({ x: x + glyphWidth + 6, y: y + 13, 'font-size': LEGEND_FONT, fill: '#cbd5e1' }).forEach(([k, v]) => label.setAttribute(k, String(v)));
    label.textContent = text;
    group.appendChild(label);
    x += glyphWidth + 6 + textWidth + 18;
  }
  return { group, height: y + LEGEND_ROW + 4 };
}

export function chartSvg(target: string): { svg: string; width: number; height: number } | null {
  const container = document.querySelector(`[data-testid="${target}"]`);
  const surface = container?.querySelector<SVGSVGElement>('svg.recharts-surface');
  if (!container || !surface) return null;
  const { width, height: chartHeight } = surface.getBoundingClientRect();
  const font = getComputedStyle(surface).fontFamily || 'sans-serif';
  const legend = legendGroup(container, width, font);
  const top = legend?.height ?? 0;
  const height = chartHeight + top;
  const root = document.createElementNS(SVG_NS, 'svg');
  root.setAttribute('xmlns', SVG_NS);
  root.setAttribute('width', String(width));
  root.setAttribute('height', String(height));
  root.setAttribute('viewBox', `0 0 ${width} ${height}`);
  root.setAttribute('font-family', font);
  const bg = document.createElementNS(SVG_NS, 'rect');
  bg.setAttribute('width', '100%');
  bg.setAttribute('height', '100%');
  bg.setAttribute('fill', BACKGROUND);
  root.appendChild(bg);
  if (legend) root.appendChild(legend.group);
  const chart = surface.cloneNode(true) as SVGSVGElement;
  chart.setAttribute('y', String(top));
  chart.setAttribute('width', String(width));
  chart.setAttribute('height', String(chartHeight));
  root.appendChild(chart);
  return { svg: new XMLSerializer().serializeToString(root), width, height };
}

export async function svgToPng(svg: string, width: number, height: number, scale = 2): Promise<Blob> {
  const url = URL.createObjectURL(new Blob([svg], { type: 'image/svg+xml' }));
  try {
    const image = new Image();
    await new Promise<void>((resolve, reject) => {
      image.onload = () => resolve();
      image.onerror = () => reject(new Error('the chart could not be drawn as an image'));
      image.src = url;
    });
    const canvas = document.createElement('canvas');
    canvas.width = Math.round(width * scale);
    canvas.height = Math.round(height * scale);
    const ctx = canvas.getContext('2d');
    if (!ctx) throw new Error('no 2-D canvas in this browser');
    ctx.scale(scale, scale);
    ctx.drawImage(image, 0, 0, width, height);
    return await new Promise<Blob>((resolve, reject) => canvas.toBlob((b) => (b ? resolve(b) : reject(new Error('PNG encoding failed'))), 'image/png'));
  } finally {
    URL.revokeObjectURL(url);
  }
}
