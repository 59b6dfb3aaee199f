/**
 * The compiled SIMD kernels (src/engine/fused/wasm/simd/) of this checkout beside those of another
 * revision, kernel by kernel at toy-B's shapes (a batch of 64: 1,088 rows of 48, MLP 192, 3 heads
 * of 16 over 17 tokens), in headless Chromium (the page's engine) and in Node: microseconds per
 * call, the two builds alternated round by round, medians; and whether the two builds wrote the
 * same bytes (a kernel rewritten for speed must keep its floats: the signal report's scores rest
 * on them). Both builds run on the same inputs in memories of their own. `--fma=on` (the default)
 * times each revision's module with fused multiply-adds (relaxed SIMD, the form the page runs)
 * where the revision has one, `--fma=off` the other form.
 *
 *   npx tsx scripts/simd-kernels.ts --against=fd5a61a
 *   npx tsx scripts/simd-kernels.ts --against=HEAD~1 --where=page --rounds=7 --fma=off
 */
import './help';
import { execFileSync } from 'node:child_process';
import { runInThisContext } from 'node:vm';
import { chromium } from '@playwright/test';
import { SIMD_KERNELS_PLAIN, SIMD_KERNELS_PLAIN_FMA } from '../src/engine/fused/wasm/simd/binary';
import { enableRelaxedSimd } from '../tooling/tfjsBackends';
import { CHROMIUM_ARGS, findChromium } from '../tooling/chromium';
import { cliFlags, intFlag } from '../tooling/args';

const { values } = cliFlags({
  against: { type: 'string' },
  where: { type: 'string', default: 'page,node' },
  rounds: { type: 'string', default: '5' },
  fma: { type: 'string', default: 'on' },
});
if (values.fma !== 'on' && values.fma !== 'off') throw new Error(`--fma=${values.fma}: expected on or off`);
enableRelaxedSimd();
if (!values.against) throw new Error('--against=REV: the revision whose kernels to compare with (e.g. fd5a61a)');
const rounds = intFlag('rounds', values.rounds, 1);
const where = values.where.split(',');
if (where.some((w) => w !== 'page' && w !== 'node')) throw new Error(`--where=${values.where}: expected page, node or both`);

const source = execFileSync('git', ['show', `${values.against}:src/engine/fused/wasm/simd/binary.ts`], { encoding: 'utf8' });
const fused = values.fma === 'on';
const other = (fused ? /SIMD_KERNELS_PLAIN_FMA =\s*'([^']+)'/.exec(source)?.[1] : undefined) ?? /SIMD_KERNELS_PLAIN =\s*'([^']+)'/.exec(source)?.[1];
if (!other) throw new Error(`${values.against} has no SIMD_KERNELS_PLAIN in binary.ts`);
const mine = fused ? SIMD_KERNELS_PLAIN_FMA : SIMD_KERNELS_PLAIN;

/**
 * The benchmark, as source text so that the page and Node run the very same code: (base64 of
 * build A, of build B, rounds) -> rows of { kernel, a, b (us per call, medians), same }.
 */
const BENCH = `(a64, b64, rounds) => {
  const decode = (s) => typeof atob === 'function' ? Uint8Array.from(atob(s), (c) => c.charCodeAt(0)) : new Uint8Array(Buffer.from(s, 'base64'));
  const build = (s) => {
    const memory = new WebAssembly.Memory({ initial: 512 });
    const k = new WebAssembly.Instance(new WebAssembly.Module(decode(s)), { env: { memory } }).exports;
    return { k, f: new Float32Array(memory.buffer), u: new Uint8Array(memory.buffer) };
  };
  const builds = [build(a64), build(b64)];
  let seed = 7;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648) * 2 - 1;
  const inputs = Array.from({ length: 1 << 20 }, rnd);
  // Regions (in floats): four inputs of 1M from 16, outputs at 5M, scratch at 6M: 32 MB a memory.
  const F = 1 << 20, at = (i) => 4 * i;
  const [x, y, z, w] = [at(16), at(F + 16), at(2 * F + 16), at(3 * F + 16)];
  const out = at(5 * F), scratch = at(6 * F);
  const [B, T, H, dh, D, M] = [64, 17, 3, 16, 48, 1088];
  const cases = [
    ['gelu', (k) => k.gelu(x, out, M * 192), M * 192],
    ['geluGrad', (k) => k.geluGrad(y, x, out, M * 192), M * 192],
    ['layerNorm', (k) => k.layerNorm(x, y, z, out, M, D, 1e-6), M * D],
    ['layerNormGradX', (k) => k.layerNormGradX(x, y, z, w, out, M, D), M * D],
    ['layerNormGradGamma', (k) => k.layerNormGradGamma(x, y, w, out, M, D), D],
    ['attnProbs', (k) => k.attnProbs(x, y, out, scratch, B, T, H, dh, 0.25, 0), B * H * T * T],
    ['attnGradProbs', (k) => k.attnGradProbs(x, y, out, scratch, B, T, H, dh), B * H * T * T],
    ['attnProbs, 64 tokens (toy-B-64: 32 x 3 heads of 65)', (k) => k.attnProbs(x, y, out, scratch, 32, 65, H, dh, 0.25, 0), 32 * H * 65 * 65],
    ['attnGradProbs, 64 tokens', (k) => k.attnGradProbs(x, y, out, scratch, 32, 65, H, dh), 32 * H * 65 * 65],
    ['attnMix, 64 tokens', (k) => k.attnMix(z, y, out, 32, 65, H, dh, 0), 32 * 65 * D],
    ['attnMix, M transposed, 64 tokens', (k) => k.attnMix(z, y, out, 32, 65, H, dh, 1), 32 * 65 * D],
    ['attnGradScores, 64 tokens', (k) => k.attnGradScores(x, y, out, 32 * H * 65, 65, 0.25), 32 * H * 65 * 65],
    ['attnMix', (k) => k.attnMix(z, y, out, B, T, H, dh, 0), M * D],
    ['attnMix, M transposed', (k) => k.attnMix(z, y, out, B, T, H, dh, 1), M * D],
    ['attnGradScores', (k) => k.attnGradScores(x, y, out, B * H * T, T, 0.25), B * H * T * T],
    ['linear x W + b (1088x48 by 48x192)', (k) => k.linear(x, 4 * D, 4, y, z, 1, out, M, 192, D, scratch), M * 192],
    // x^T dy in chunks of 64 rows, as src/engine/fused/wasm/linear.ts runs it (a build before the
    // chunks ignores the last argument and passes over all rows at once: the same bytes).
    ['linear x^T dy (48x1088 by 1088x192)', (k) => k.linear(x, 4, 4 * D, y, 0, 0, out, D, 192, M, scratch, 64), D * 192],
    ['linear x^T dy (192x2080 by 2080x48: toy-B-64 fc2)', (k) => k.linear(x, 4, 4 * 192, y, 0, 0, out, 192, D, 2080, scratch, 64), 192 * D],
    ['linear dy W^T (1088x192 by 192x48)', (k) => k.linear(x, 4 * 192, 4, y, 0, 0, out, M, D, 192, scratch), M * D],
    ['swapMiddle (a patchify: 256x8x4x24)', (k) => k.swapMiddle(x, out, 256, 8, 4, 24), 256 * 8 * 4 * 24, 'swapMiddle'],
    ['sameShapeBinary (a residual add: 1088x48)', (k) => k.sameShapeBinary(x, y, out, M * D, 0), M * D, 'sameShapeBinary'],
  ];
  const time = (k, run) => {
    const t0 = performance.now();
    let n = 0;
    while (n < 5 || performance.now() - t0 < 40) { run(k); n++; }
    return ((performance.now() - t0) / n) * 1000;
  };
  const median = (xs) => [...xs].sort((p, q) => p - q)[xs.length >> 1];
  return cases.map(([kernel, run, outFloats, needs]) => {
    // A kernel the other build may lack (\`needs\`: its export): then timed in this one only.
    if (needs && !builds[0].k[needs]) {
      const t = [];
      for (let r = 0; r < rounds; r++) t.push(time(builds[1].k, run));
      return { kernel, a: NaN, b: median(t), same: null };
    }
    const bytes = builds.map((b) => {
      b.f.fill(0, 5 * F, 5 * F + outFloats + 16);
      b.f.set(inputs, 16); b.f.set(inputs, F + 16); b.f.set(inputs.map(Math.abs), 2 * F + 16); b.f.set(inputs.map((v) => Math.abs(v) + 0.5), 3 * F + 16);
      run(b.k);
      return b.u.slice(out, out + 4 * outFloats + 64);
    });
    const same = bytes[0].every((v, i) => v === bytes[1][i]);
    const ts = [[], []];
    for (let r = 0; r < rounds; r++) builds.forEach((b, i) => ts[i].push(time(b.k, run)));
    return { kernel, a: median(ts[0]), b: median(ts[1]), same };
  });
}`;

type Row = { kernel: string; a: number; b: number; same: boolean | null };

const table = (title: string, rows: Row[]) => {
  console.log(`\n${title}\n\n| kernel | ${values.against} us | this checkout us | speed-up | same bytes |\n|---|---|---|---|---|`);
  for (const r of rows)
    console.log(
      `| ${r.kernel} | ${Number.isNaN(r.a) ? '-' : r.a.toFixed(0)} | ${r.b.toFixed(0)} | ${Number.isNaN(r.a) ? '-' : `${(r.a / r.b).toFixed(2)}x`} | ${r.same === null ? 'new kernel' : r.same ? 'yes' : '**no**'} |`,
    );
};

console.log(`${new Date().toISOString()}: ${rounds} rounds, alternating the builds`);
if (where.includes('page')) {
  const browser = await chromium.launch({ executablePath: findChromium(), args: CHROMIUM_ARGS });
  try {
    const page = await browser.newPage();
    const version = browser.version();
    table(`Chromium ${version}`, (await page.evaluate(`(${BENCH})(${JSON.stringify(other)}, ${JSON.stringify(mine)}, ${rounds})`)) as Row[]);
  } finally {
    await browser.close();
  }
}
if (where.includes('node')) {
  const bench = runInThisContext(BENCH) as (a: string, b: string, rounds: number) => Row[];
  table(`Node ${process.version}`, bench(other, mine, rounds));
}
