import { beforeAll, describe, expect, it } from 'vitest';
import { profileVariant, timeByComponent } from '../src/experiments/compare';
import { comparisonVariants } from '../src/experiments/variants';
import { METHOD_IDS } from '../src/methods/catalog';
import { defaultConfig } from '../src/train/config';
import { profileStep } from '../src/train/profile';
import type { ComparisonRow } from '../src/train/records';
import { useCpuBackend } from '../tooling/tfjsBackends';

/** The mask ratios A.5 sweeps (the MAE schema's sweep values, which the comparison must follow). */
const MAE_RATIOS = [0.55, 0.65, 0.75, 0.85];

beforeAll(useCpuBackend);

describe('timeByComponent', () => {
  it('matches profile records to the trace by name, skipping op wrappers and small reorderings', () => {
    const k = (name: string, t: number) => ({ name, kernelTimeMs: t });
    const kernels = [k('Identity', 1), k('Reshape', 2), k('MatMul', 10), k('fused__op', 100), k('Add', 3), k('Exp', 4)];
    const trace: [string, string][] = [
      ['Reshape', 'a'],
      ['Identity', 'a'],
      ['MatMul', 'b'],
      ['Exp', 'c'],
      ['Add', 'c'],
    ];
    expect(timeByComponent(kernels, trace)).toEqual({ a: 3, b: 10, c: 7 });
    expect(timeByComponent(kernels, [...trace, ['Missing', 'x'], ['Missing', 'x']])).toBeNull();
  });
});

describe('per-method FLOP comparison (Figure 3 analogue)', () => {
  let rows: ComparisonRow[] = [];
  const base = defaultConfig({ model: 'tiny', batchSize: 8, backend: 'cpu' });

  beforeAll(async () => {
    rows = [];
    for (const v of comparisonVariants()) rows.push(await profileVariant(base, v));
  });

  it('has every registered method, and MAE at each mask ratio with both decoders', () => {
    const others = METHOD_IDS.filter((m) => m !== 'mae');
    expect(rows.length).toBe(others.length + 2 * MAE_RATIOS.length);
    expect(rows.filter((r) => r.method === 'mae').map((r) => r.key)).toContain('mae-0.75-tiny');
  });

  it('counts the same FLOPs as profileStep and measures time for every component', async () => {
    const supervised = rows.find((r) => r.key === 'supervised')!;
    expect(supervised.totalFlops).toBe((await profileStep(base)).totalFlops);
    for (const r of rows) {
      expect(Object.keys(r.msByComponent).sort()).toEqual(Object.keys(r.byComponent).sort());
      expect(r.kernelMs).toBeGreaterThan(0);
    }
  });

  it('orders methods as multi-view and teacher costs imply: DINO > BYOL > SimCLR > supervised > MAE 75%', () => {
    const f = (key: string) => rows.find((r) => r.key === key)!.totalFlops;
    expect(f('dino')).toBeGreaterThan(f('byol'));
    expect(f('byol')).toBeGreaterThan(f('simclr'));
    expect(f('simclr')).toBeGreaterThan(f('supervised'));
    expect(f('supervised')).toBeGreaterThan(f('mae-0.75-standard'));
    expect(f('mae-0.75-standard')).toBeGreaterThan(f('mae-0.75-tiny'));
  });

  it("the MAE decoder's FLOP share grows with the mask ratio and shrinks with the tiny decoder", () => {
    const share = (key: string) => {
      const r = rows.find((x) => x.key === key)!;
      return r.byComponent.decoder / (r.totalFlops - r.byComponent.optimizer);
    };
    for (const decoder of ['standard', 'tiny']) {
      const shares = MAE_RATIOS.map((m) => share(`mae-${m}-${decoder}`));
      for (let i = 1; i < shares.length; i++) expect(shares[i]).toBeGreaterThan(shares[i - 1]);
    }
    for (const m of MAE_RATIOS) expect(share(`mae-${m}-tiny`)).toBeLessThan(share(`mae-${m}-standard`));
  });
});
