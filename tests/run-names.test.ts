import { describe, expect, it } from 'vitest';
import { defaultConfig } from '../src/train/config';
import { firstCheckpointStep, nextCheckpointStep } from '../src/train/records';
import { budgetInWords, runName, uniqueName } from '../src/store/runNames';

describe('run names', () => {
  it('say method, dataset, model, budget in words and seed', () => {
    expect(runName(defaultConfig({ method: 'simclr', seed: 2, steps: 1000, dataset: { preset: 'coco' } }))).toBe(
      'SimCLR · coco · toy-B · 1,000 steps · seed 2',
    );
    expect(budgetInWords({ steps: 1, budgetFlops: undefined })).toBe('1 step');
    expect(budgetInWords({ steps: 90, budgetFlops: 2.5e10 })).toBe('25 GFLOP budget');
    expect(budgetInWords({ steps: 90, budgetFlops: 1.234e12 })).toBe('1.23 TFLOP budget');
  });

  it('are unique: a taken name gets the smallest free (n)', () => {
    expect(uniqueName('a', [])).toBe('a');
    expect(uniqueName('a', ['a'])).toBe('a (2)');
    expect(uniqueName('a', ['a', 'a (2)', 'a (4)'])).toBe('a (3)');
  });
});

describe('checkpoint schedule', () => {
  const cfg = (checkpointEvery: number, evalEvery: number, steps = 1000, kind: 'knn' | 'none' = 'knn') => ({
    checkpointEvery,
    evalEvery,
    steps,
    probe: { kind },
  });

  it('puts the first checkpoint at the first probe or by step 50, then every checkpointEvery', () => {
    expect(firstCheckpointStep(cfg(100, 250))).toBe(50);
    expect(firstCheckpointStep(cfg(100, 20))).toBe(20);
    expect(firstCheckpointStep(cfg(30, 250))).toBe(30);
    expect(firstCheckpointStep(cfg(100, 20, 1000, 'none'))).toBe(50);
    expect(firstCheckpointStep(cfg(0, 20))).toBeNull();
  });

  it('names the next checkpoint, or none when the run ends first', () => {
    expect(nextCheckpointStep(cfg(100, 250), 0)).toBe(50);
    expect(nextCheckpointStep(cfg(100, 250), 50)).toBe(100);
    expect(nextCheckpointStep(cfg(100, 250), 120)).toBe(200);
    expect(nextCheckpointStep(cfg(100, 250, 150), 120)).toBeNull();
    expect(nextCheckpointStep(cfg(0, 250), 0)).toBeNull();
  });
});
