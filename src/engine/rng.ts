/**
 * Seeded, splittable RNG. `split(name)` derives an independent stream from the
 * parent's seed and the name (not from its state), so adding draws to one stream
 * never shifts another: init, data, augmentation and masking stay reproducible
 * on their own. The generator is mulberry32 (32-bit state, fast, good enough for
 * sampling); the seed mixing is a 32-bit avalanche hash.
 */

function mix32(h: number): number {
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** Stable 32-bit hash of a seed and a list of keys (strings or integers). */
export function hashSeed(seed: number, ...keys: (string | number)[]): number {
  let h = mix32(seed ^ 0x9e3779b9);
  for (const key of keys) {
    const s = typeof key === 'number' ? `#${key}` : key;
    for (let i = 0; i < s.length; i++) h = mix32(h ^ Math.imul(s.charCodeAt(i) + 1, 0x27d4eb2f));
    h = mix32(h ^ 0x165667b1);
  }
  return h;
}

export class Rng {
  private state: number;

  constructor(readonly seed: number) {
    this.state = mix32(seed >>> 0) || 0x6d2b79f5;
  }

  /** An independent stream named `key`, reproducible from this RNG's seed alone. */
  split(...keys: (string | number)[]): Rng {
    return new Rng(hashSeed(this.seed, ...keys));
  }

  /** Uniform in [0, 1). */
  next(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  uniform(lo: number, hi: number): number {
    return lo + (hi - lo) * this.next();
  }

  /** Integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** Standard normal (Box-Muller). */
  normal(): number {
    const u = 1 - this.next();
    const v = this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /** Normal truncated to +-2 std, as ViT weight inits use. */
  truncNormal(std: number): number {
    for (;;) {
      const x = this.normal();
      if (Math.abs(x) <= 2) return x * std;
    }
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)];
  }

  /** Fisher-Yates permutation of 0..n-1. */
  permutation(n: number): Int32Array {
    const p = new Int32Array(n);
    for (let i = 0; i < n; i++) p[i] = i;
    for (let i = n - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const t = p[i];
      p[i] = p[j];
      p[j] = t;
    }
    return p;
  }
}
