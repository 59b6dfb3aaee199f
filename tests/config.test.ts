import { describe, expect, it } from 'vitest';
import { ConfigError, defaultConfig, resolveConfig, validateConfig } from '../src/train/config';
import { MODEL_PRESETS } from '../src/models/presets';
import { readConfigFromHash, configToHash } from '../src/store/urlState';

function errorOf(input: unknown): ConfigError {
  try {
    resolveConfig(input);
  } catch (e) {
    if (e instanceof ConfigError) return e;
    throw e;
  }
  throw new Error('expected a ConfigError');
}

describe('experiment config', () => {
  it('fills every field and resolves a model preset to explicit numbers', () => {
    const c = defaultConfig();
    expect(c.method).toBe('supervised');
    expect(c.model).toEqual(MODEL_PRESETS['toy-B']);
    expect(Object.keys(c).sort()).toEqual(
      [
        'backend',
        'batchSize',
        'carbon',
        'checkpointEvery',
        'dataset',
        'engine',
        'evalEvery',
        'logEvery',
        'method',
        'methodOptions',
        'model',
        'optim',
        'probe',
        'seed',
        'steps',
        'transfer',
      ].sort(),
    );
    expect(defaultConfig({ model: 'tiny', steps: 5 }).model.imageSize).toBe(16);
    expect(c.engine).toEqual({ fused: true, batchWorker: 'auto' });
  });

  it.each([
    [{ batchSize: 0 }, 'batchSize'],
    [{ batchSize: 2.5 }, 'batchSize'],
    [{ steps: -1 }, 'steps'],
    [{ method: 'moco' }, 'method'],
    [{ backend: 'cuda' }, 'backend'],
    [{ model: 'giant' }, 'model'],
    [{ model: { imageSize: 30, patchSize: 4, dim: 32, depth: 2, heads: 2, mlpDim: 64 } }, 'model.patchSize'],
    [{ model: { imageSize: 32, patchSize: 4, dim: 30, depth: 2, heads: 3, mlpDim: 64 } }, 'model.dim'],
    [{ model: { imageSize: 32, patchSize: 4, dim: 32, depth: 2, heads: 3, mlpDim: 64 } }, 'model.heads'],
    [{ optim: { lr: -1 } }, 'optim.lr'],
    [{ dataset: { size: 3 } }, 'dataset.size'],
    [{ dataset: { preset: 'laion' } }, 'dataset.preset'],
    [{ dataset: { preset: 'jft', numClasses: 5 } }, 'dataset.numClasses'],
    [{ dataset: { preset: 'coco', maxObjects: 2 } }, 'dataset.maxObjects'],
    [{ probe: { kind: 'svm' } }, 'probe.kind'],
    [{ transfer: { kind: 'detection' } }, 'transfer.kind'],
    [{ transfer: { seeds: 0 } }, 'transfer.seeds'],
    [{ transfer: { clipNorm: -1 } }, 'transfer.clipNorm'],
    [{ steps: 10, transfer: { kind: 'segmentation', at: [5, 11] } }, 'transfer.at.1'],
    [{ seed: 'abc' }, 'seed'],
    [{ stepz: 10 }, 'stepz'],
    [{ model: { dim: 7 } }, 'model.imageSize'],
    [{ method: 'simclr', methodOptions: { tempreature: 0.2 } }, 'methodOptions.tempreature'],
  ])('rejects %j naming the field', (input, field) => {
    const e = errorOf(input);
    expect(e.issues.length).toBeGreaterThan(0);
    if (field) expect(e.issues.map((i) => i.path)).toContain(field);
    else expect(e.message).toMatch(/stepz/);
    expect(e.message.length).toBeGreaterThan(5);
  });

  it('inside the model union, names the deepest field and the reason for the branch the value chose', () => {
    expect(errorOf({ model: { dim: 7 } }).issues.map(({ path, message }) => ({ path, message }))).toEqual([
      ...['imageSize', 'patchSize'].map((f) => ({
        path: `model.${f}`,
        message: 'required when the model is given as sizes (or use a preset: tiny, toy-B, toy-L, small-B, vit-b16, vit-l16)',
      })),
      { path: 'model.dim', message: 'dim 7 must be a multiple of 4 for the 2-D sin-cos position embedding' },
      ...['depth', 'heads', 'mlpDim'].map((f) => ({
        path: `model.${f}`,
        message: 'required when the model is given as sizes (or use a preset: tiny, toy-B, toy-L, small-B, vit-b16, vit-l16)',
      })),
    ]);
    const preset =
      'must be a preset name (tiny, toy-B, toy-L, small-B, vit-b16, vit-l16) or explicit sizes { imageSize, patchSize, dim, depth, heads, mlpDim }';
    expect(errorOf({ model: 'toy-X' }).message).toBe(`model: ${preset}`);
    expect(errorOf({ model: 5 }).message).toBe(`model: ${preset}`);
    expect(errorOf({ model: { ...MODEL_PRESETS.tiny, depht: 2 } }).message).toBe('model.depht: unknown field (a typo?)');
  });

  it('names why a preset refuses shapes-only fields', () => {
    expect(errorOf({ dataset: { preset: 'jft', numClasses: 5 } }).message).toBe(
      "dataset.numClasses: numClasses is fixed by the jft preset (only the 'shapes' preset takes it)",
    );
    expect(defaultConfig({ dataset: { preset: 'shapes', numClasses: 4, maxObjects: 2 } }).dataset).toEqual({ preset: 'shapes', numClasses: 4, maxObjects: 2 });
    expect(defaultConfig().dataset.preset).toBe('imagenet-1k');
  });

  it('transfer defaults are the fine-tuning defaults documented in src/transfer/settings.ts', async () => {
    const { SEG_DEFAULTS } = await import('../src/transfer/settings');
    const { kind, at, ...settings } = defaultConfig().transfer;
    expect({ kind, at }).toEqual({ kind: 'none', at: [] });
    expect(settings).toEqual({ ...SEG_DEFAULTS });
  });

  it('rejects non-objects', () => {
    for (const bad of [null, 42, 'x', [1]]) expect(errorOf(bad).message).toMatch(/JSON object/);
  });

  it('validateConfig reports instead of throwing', () => {
    const v = validateConfig({ batchSize: -3 });
    expect(v.ok).toBe(false);
    if (!v.ok) expect(v.error.message).toMatch(/^batchSize: /);
  });

  it('round-trips through the URL hash and reports a broken one', () => {
    const input = { method: 'supervised' as const, model: 'tiny' as const, steps: 12 };
    expect(readConfigFromHash(configToHash(input)).input).toEqual(input);
    expect(readConfigFromHash('#config=%7Bnot json').error).toMatch(/not valid JSON/);
    expect(readConfigFromHash(configToHash({ steps: 0 })).error).toMatch(/steps/);
    expect(readConfigFromHash('')).toEqual({});
  });
});
