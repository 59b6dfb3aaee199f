/** Chart series and the Table-1 grid from hand-made sweep points (src/features/experiments/sweepSeries.ts). */
import { describe, expect, it } from 'vitest';
import { deviceById, measuredDevice, regionById } from '../../carbon/devices';
import type { SweepPoint } from '../../experiments/sweepResults';
import { seriesNames, sweepGrid, sweepSeries, xOf, type CarbonSetup } from './sweepSeries';

const A100_EUROPE: CarbonSetup = { device: deviceById('a100'), utilisation: 0.4, pue: 1.1, region: regionById('europe-west1') };

/** A finished run; every field the tests do not name is a plain default. */
function point(p: Partial<SweepPoint> & Pick<SweepPoint, 'method' | 'budget'>): SweepPoint {
  const base = { options: {}, dataset: 'imagenet-1k', model: 'toy-B', seed: 0, ...p };
  return {
    key: [base.method, JSON.stringify(base.options), base.dataset, base.model, base.budget, `s${base.seed}`].join('|'),
    runId: null,
    status: 'done',
    steps: 100,
    flops: base.budget,
    wallMs: 1000,
    backend: 'wasm',
    config: { method: base.method },
    ...base,
  };
}

describe('sweep series', () => {
  it('one curve per method variant x model x dataset, budgets in order, seeds averaged with min-max error bars', () => {
    const points = [
      point({ method: 'mae', budget: 2e10, seed: 0, accuracy: 0.3, randomInit: { accuracy: 0.1 } }),
      point({ method: 'mae', budget: 1e10, seed: 0, accuracy: 0.2, randomInit: { accuracy: 0.1 } }),
      point({ method: 'mae', budget: 2e10, seed: 1, accuracy: 0.4, flops: 2.2e10, randomInit: { accuracy: 0.2 } }),
      point({ method: 'mae', options: { maskRatio: 0.85 }, budget: 1e10, accuracy: 0.25 }),
      point({ method: 'mae', budget: 1e10, model: 'toy-L', accuracy: 0.22 }),
    ];
    const s = sweepSeries(points, 'probe', 'flops', A100_EUROPE);
    expect(s.series.map((x) => x.label)).toEqual(['mae · toy-B · imagenet-1k', 'mae (maskRatio 0.85) · toy-B · imagenet-1k', 'mae · toy-L · imagenet-1k']);
    // Legend names keep only what tells curves apart: one dataset here, two models.
    expect([...seriesNames(s.series).values()]).toEqual(['mae · toy-B', 'mae (maskRatio 0.85) · toy-B', 'mae · toy-L']);
    const [mae] = s.series;
    expect(mae.points.map((p) => p.budget)).toEqual([1e10, 2e10]);
    // Budget 2e10: seeds 0 and 1 at 0.3 and 0.4 -> mean 0.35, bar 0.3-0.4; FLOPs (2e10 + 2.2e10) / 2 = 2.1e10.
    expect(mae.points[1]).toMatchObject({ y: 0.35, low: 0.3, high: 0.4, spread: 'seeds', seeds: [0, 1], flops: 2.1e10, x: 2.1e10 });
    expect(mae.points[1].y).toBeCloseTo(0.35, 12);
    // One seed without an interval: no bar.
    expect(mae.points[0]).toMatchObject({ y: 0.2, low: 0.2, high: 0.2, spread: 'none', seeds: [0] });
    // Random init: mean of 0.1, 0.1, 0.2 (the runs that recorded one) = 0.13333.
    expect(s.randomInit).toBeCloseTo(0.133333, 6);
  });

  it("one seed: the probe's 95 % interval is the error bar (probe only; patch mIoU has none)", () => {
    const p = point({
      method: 'supervised',
      budget: 1e10,
      accuracy: 0.5,
      probeInterval: [0.42, 0.58],
      patchMiou: 0.2,
      randomInit: { accuracy: 0.15, patchMiou: 0.16 },
    });
    const probe = sweepSeries([p], 'probe', 'flops', A100_EUROPE).series[0].points[0];
    expect(probe).toMatchObject({ y: 0.5, low: 0.42, high: 0.58, spread: 'probe interval' });
    const miou = sweepSeries([p], 'patchMiou', 'flops', A100_EUROPE);
    expect(miou.series[0].points[0]).toMatchObject({ y: 0.2, low: 0.2, high: 0.2, spread: 'none' });
    expect(miou.randomInit).toBe(0.16);
  });

  it('x on the hours and CO2 axes: 1e18 FLOPs on an A100 at 40 % = 2.225783 h = 0.261485 kg in europe-west1 at PUE 1.1', () => {
    const p = point({ method: 'supervised', budget: 1e18, accuracy: 0.5 });
    // 1e18 / (312e12 x 0.4) / 3600 = 2.225783 h; 400 W x 2.225783 h x 1.1 / 1000 = 0.979345 kWh; x 0.267 = 0.261485 kg.
    expect(sweepSeries([p], 'probe', 'hours', A100_EUROPE).series[0].points[0].x).toBeCloseTo(2.225783, 6);
    expect(sweepSeries([p], 'probe', 'co2', A100_EUROPE).series[0].points[0].x).toBeCloseTo(0.261485, 6);
    // On this device at a measured 1e9 FLOP/s (1e12 FLOPs in 1,000 s): 1e18 FLOPs take 1e9 s = 277,777.8 h.
    const here: CarbonSetup = { ...A100_EUROPE, device: measuredDevice(1e12, 1_000_000, 45) };
    expect(xOf(1e18, 'hours', here)).toBeCloseTo(277_777.78, 2);
  });

  it('failed, diverged, stopped and unmeasured runs are left off the curves and listed with their reasons', () => {
    const points = [
      point({ method: 'supervised', budget: 1e10, accuracy: 0.5 }),
      point({ method: 'dino', budget: 1e10, status: 'diverged', reason: 'loss is NaN at step 12' }),
      point({ method: 'byol', budget: 1e10, status: 'error', reason: 'out of memory' }),
      point({ method: 'simclr', budget: 1e10, status: 'stopped' }),
      point({ method: 'clip', budget: 1e10 }),
    ];
    const s = sweepSeries(points, 'probe', 'flops', A100_EUROPE);
    expect(s.series.map((x) => x.method)).toEqual(['supervised']);
    expect(s.excluded.map((e) => [e.point.method, e.reason])).toEqual([
      ['dino', 'loss is NaN at step 12'],
      ['byol', 'out of memory'],
      ['simclr', 'stopped before its budget was spent'],
      ['clip', 'no probe result'],
    ]);
    expect(sweepSeries(points.slice(0, 1), 'patchMiou', 'flops', A100_EUROPE).excluded[0].reason).toBe('no patch mIoU (the dense patch probe was off)');
    expect(sweepSeries(points.slice(1), 'probe', 'flops', A100_EUROPE)).toMatchObject({ series: [], frontier: [], randomInit: null });
  });

  it('the Pareto frontier runs through the points no cheaper point beats, across curves', () => {
    const points = [
      point({ method: 'supervised', budget: 1e10, accuracy: 0.3 }),
      point({ method: 'supervised', budget: 4e10, accuracy: 0.6 }),
      point({ method: 'mae', budget: 1e10, accuracy: 0.1 }),
      point({ method: 'mae', budget: 2e10, accuracy: 0.4 }),
      point({ method: 'mae', budget: 4e10, accuracy: 0.5 }),
    ];
    const frontier = sweepSeries(points, 'probe', 'flops', A100_EUROPE).frontier;
    // supervised 1e10 (0.3) -> mae 2e10 (0.4) -> supervised 4e10 (0.6); mae 1e10 and mae 4e10 are beaten.
    expect(frontier.map((p) => [p.seriesId.split('#')[0], p.budget, p.y])).toEqual([
      ['supervised', 1e10, 0.3],
      ['mae', 2e10, 0.4],
      ['supervised', 4e10, 0.6],
    ]);
  });

  it('runs of one budget compete at that budget, whatever fraction of a step each spent beyond it', () => {
    const points = [
      point({ method: 'supervised', budget: 1e10, flops: 1.0004e10, accuracy: 0.6 }),
      point({ method: 'clip', budget: 1e10, flops: 0.9998e10, accuracy: 0.4 }),
    ];
    expect(sweepSeries(points, 'probe', 'flops', A100_EUROPE).frontier.map((p) => p.seriesId.split('#')[0])).toEqual(['supervised']);
  });
});

describe('Table-1 grid', () => {
  const points = [
    // BYOL: best on COCO (0.30 > 0.25); ImageNet at its largest budget only (2e10: 0.25, not 1e10's 0.5).
    point({ method: 'byol', dataset: 'imagenet-1k', budget: 1e10, patchMiou: 0.5 }),
    point({ method: 'byol', dataset: 'imagenet-1k', budget: 2e10, seed: 0, patchMiou: 0.2 }),
    point({ method: 'byol', dataset: 'imagenet-1k', budget: 2e10, seed: 1, patchMiou: 0.3 }),
    point({ method: 'byol', dataset: 'coco', budget: 2e10, patchMiou: 0.3 }),
    // MAE: a tie (both flagged) and a missing JFT cell.
    point({ method: 'mae', dataset: 'imagenet-1k', budget: 2e10, patchMiou: 0.4 }),
    point({ method: 'mae', dataset: 'coco', budget: 2e10, patchMiou: 0.4 }),
    point({ method: 'byol', dataset: 'jft', budget: 2e10, status: 'error', reason: 'out of memory' }),
    // One variant with a single filled cell: nothing to compare, nothing flagged.
    point({ method: 'mae', options: { maskRatio: 0.85 }, dataset: 'coco', budget: 2e10, patchMiou: 0.1 }),
  ];

  it('rows are method variants, columns datasets; a cell is the mean at its largest budget; the best dataset per row is flagged', () => {
    const g = sweepGrid(points, 'patchMiou');
    expect(g.datasets).toEqual(['imagenet-1k', 'coco', 'jft']);
    expect(g.rows.map((r) => r.label)).toEqual(['byol', 'mae', 'mae (maskRatio 0.85)']);
    const [byol, mae, mae85] = g.rows;
    expect(byol.cells[0]).toEqual({ value: 0.25, budget: 2e10, seeds: 2 });
    expect(byol.cells[1]).toEqual({ value: 0.3, budget: 2e10, seeds: 1 });
    expect(byol.cells[2]).toBeNull();
    expect(byol.best).toEqual([1]);
    expect(mae.best).toEqual([0, 1]);
    expect(mae85.cells).toEqual([null, { value: 0.1, budget: 2e10, seeds: 1 }, null]);
    expect(mae85.best).toEqual([]);
  });

  it('a measure no run recorded gives no rows; several models split the rows', () => {
    expect(sweepGrid(points, 'probe').rows).toEqual([]);
    const twoModels = [
      point({ method: 'mae', model: 'toy-B', budget: 1e10, accuracy: 0.2 }),
      point({ method: 'mae', model: 'toy-L', budget: 1e10, accuracy: 0.3 }),
    ];
    expect(sweepGrid(twoModels, 'probe').rows.map((r) => [r.label, r.cells[0]?.value])).toEqual([
      ['mae · toy-B', 0.2],
      ['mae · toy-L', 0.3],
    ]);
  });
});
