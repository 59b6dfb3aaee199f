/**
 * The soak's short version (scripts/soak.ts runs 1,000 steps of toy-B): 100
 * steps of every method on the tiny model, wasm; tensors and bytes after the
 * warm-up equal those at the end.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { METHOD_IDS } from '../src/methods/catalog';
import { soak } from '../tooling/soak';
import { useWasmBackend } from '../tooling/tfjsBackends';

beforeAll(useWasmBackend);

describe.each(METHOD_IDS)('soak: %s', (method) => {
  it('100 steps leave tensors and bytes flat after a 10-step warm-up', async () => {
    const r = await soak({ method, model: 'tiny', batchSize: 8, backend: 'wasm', probe: { kind: 'none' }, dataset: { preset: 'shapes', size: 256 } }, 100, 10);
    expect(r.tensorsAtEnd).toBe(r.tensorsAfterWarmup);
    expect(r.bytesAtEnd).toBe(r.bytesAfterWarmup);
  });
});
