import { describe, expect, it } from 'vitest';
import { validateConfig } from '../src/train/config';

/** Each bad config's issues as [path, sentence]. */
const sentences = (input: unknown) => {
  const v = validateConfig(input);
  if (v.ok) throw new Error(`expected ${JSON.stringify(input)} to be invalid`);
  return v.error.issues.map((i) => [i.path, i.sentence]);
};

describe("config problems in people's words", () => {
  it('name the field by its form label and state the rule, whole numbers included', () => {
    expect(sentences({ batchSize: 0 })).toEqual([['batchSize', 'Batch size must be a whole number of at least 1']]);
    expect(sentences({ batchSize: 2.5 })).toEqual([['batchSize', 'Batch size must be a whole number']]);
    expect(sentences({ steps: 'ten' })).toEqual([['steps', 'Steps must be a whole number']]);
    expect(sentences({ optim: { lr: 0 } })).toEqual([['optim.lr', 'Learning rate must be a number above 0']]);
    expect(sentences({ optim: { lr: 2 } })).toEqual([['optim.lr', 'Learning rate must be a number of at most 1']]);
    expect(sentences({ probe: { kind: 'svm' } })).toEqual([['probe.kind', 'Online probe must be one of knn, linear, none']]);
    expect(sentences({ carbon: { pue: 0.5 } })).toEqual([['carbon.pue', 'Datacentre PUE must be a number of at least 1']]);
    expect(sentences({ foo: 1 })).toEqual([['foo', 'foo is not a setting (a typo?)']]);
  });

  it("use a method option's own label and its whole-number rule", () => {
    expect(sentences({ method: 'mae', methodOptions: { maskRatio: 1.5 } })).toEqual([['methodOptions.maskRatio', 'Mask ratio must be a number below 1']]);
    expect(sentences({ method: 'dino', methodOptions: { localCrops: 2.5 } })).toEqual([['methodOptions.localCrops', 'Local crops must be a whole number']]);
  });

  it('say a missing field is required, and keep the terse rule for scripts', () => {
    const v = validateConfig({ model: { dim: 32 } });
    expect(v.ok).toBe(false);
    if (v.ok) return;
    expect(v.error.issues.find((i) => i.path === 'model.depth')?.sentence).toMatch(/^Depth is required/);
    // The API's message keeps the paths scripts match on.
    expect(v.error.message).toContain('model.depth: ');
  });
});
