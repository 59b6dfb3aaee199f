import { describe, expect, it } from 'vitest';
import { probeHint } from './probeHint';

describe('probeHint', () => {
  it('describes the shape task for presets and for imports without class folders', () => {
    for (const hint of [probeHint('imagenet-1k', null), probeHint('imported', { labels: 'none', classes: [] }), probeHint('imported', null)]) {
      expect(hint).toContain('fixed held-out shape task');
      expect(hint).not.toContain('your import');
    }
  });

  it("describes the import's own classes, chance level and where the random-init line comes from, for a labelled import", () => {
    const hint = probeHint('imported', { labels: 'folder', classes: ['cat', 'dog', 'fox', 'owl'] });
    expect(hint).toContain('labelled by its 4 class folders');
    expect(hint).toContain('chance is 25 %');
    expect(hint).toContain('random-init line is the same probe on the untrained encoder');
    expect(hint).not.toContain('shape task');
  });
});
