/**
 * SVG and PNG export of a chart: the recharts surface inside the element with
 * `data-testid={target}`, serialised with the page's background behind it (the
 * SVG), and drawn at twice its size into a canvas (the PNG). Nothing leaves the
 * page: the files are made and saved locally.
 */
import { download } from '../download';
import { chartSvg, svgToPng } from './chartImage';

export function ChartExport({ target, name }: { target: string; name: string }) {
  const save = async (format: 'svg' | 'png') => {
    const chart = chartSvg(target);
    if (!chart) return;
    if (format === 'svg') download(`${name}.svg`, chart.svg, 'image/svg+xml');
    else download(`${name}.png`, await svgToPng(chart.svg, chart.width, chart.height));
  };
  return (
    <span className="chart-export">
      <button className="btn btn-small btn-ghost" onClick={() => void save('svg')} data-testid={`${target}-svg`} title="Save this chart as SVG">
        SVG
      </button>
      <button
        className="btn btn-small btn-ghost"
        onClick={() => void save('png').catch(() => undefined)}
        data-testid={`${target}-png`}
        title="Save this chart as PNG"
      >
        PNG
      </button>
    </span>
  );
}
