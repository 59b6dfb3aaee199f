/**
 * Compiles src/engine/fused/wasm/simd/kernels.wat (and the files it includes) with wabt (the WebAssembly Binary Toolkit,
 * built to JS: the reference text-format assembler, so the lab keeps no assembler of its own)
 * into the binaries the lab embeds: the memory import plain (tfjs-wasm's SIMD build) and
 * shared (its threaded SIMD build, whose memory is a SharedArrayBuffer). A module importing a
 * memory must declare it with the same sharedness, so the text is compiled once per kind; and
 * each with the products' multiply-adds fused (relaxed SIMD) and not (lowerMadd).
 * Used by scripts/build-simd.ts, which writes binary.ts, and by tests/wasm-simd.test.ts, which
 * checks that binary.ts is current.
 */
import { readFileSync } from 'node:fs';
import prettier from 'prettier';
import wabt from 'wabt';

const WAT_DIR = 'src/engine/fused/wasm/simd';
const WAT_PATH = `${WAT_DIR}/kernels.wat`;

/** kernels.wat with each `;; @include NAME` line replaced by the file NAME beside it: one module, kept in files of a readable size. */
function moduleText(): string {
  const text = readFileSync(WAT_PATH, 'utf8').replace(/^ *;; @include (\S+)$/gm, (_, name: string) => readFileSync(`${WAT_DIR}/${name}`, 'utf8'));
  return expandEach(text);
}

/**
 * Expands each block from a line `;; @each a=0 b=16 ...` to a line `;; @end`: every line of the
 * block is written once per stream, line by line (line 1 for a, b, ...; then line 2 ...), with
 * `#` replaced by the stream's name, `%1`, `%2` .. by the fields of its value (`b=16/4`) and `%`
 * by the whole value; comment lines are kept once. So a kernel states a polynomial once and runs
 * it on several independent quads whose dependency chains interleave: one quad at a time waits
 * out every multiply-add's latency (GELU 2.2x slower in Chromium, docs/results.md). Exported for
 * its test.
 */
export function expandEach(text: string): string {
  return text.replace(/^( *);; @each ([^\n]+)\n([\s\S]*?)^ *;; @end *$/gm, (_, indent: string, spec: string, body: string) => {
    const streams = spec
      .trim()
      .split(/\s+/)
      .map((s) => {
        const [name, value = ''] = s.split('=');
        if (!/^\w+$/.test(name)) throw new Error(`@each: bad stream "${s}"`);
        return { name, fields: value.split('/'), value };
      });
    const lines = body.replace(/\n$/, '').split('\n');
    if (lines.some((l) => l.includes('@each '))) throw new Error(`@each blocks do not nest: ${lines[0]}`);
    const substitute = (line: string, s: (typeof streams)[number]) =>
      line
        .replace(/#/g, s.name)
        .replace(/%(\d)/g, (_m, i: string) => {
          const found = s.fields[Number(i) - 1];
          if (found === undefined) throw new Error(`@each: stream ${s.name} has no field ${i}`);
          return found;
        })
        .replace(/%/g, s.value);
    const out = lines.flatMap((line) => (/^ *;;/.test(line) ? [line] : streams.map((s) => substitute(line, s))));
    return `${indent};; (expanded: ${spec.trim()})\n${out.join('\n')}`;
  });
}

/** The index just past the s-expression that opens at text[start] ('('). */
function closingParen(text: string, start: number): number {
  let depth = 0;
  for (let i = start; i < text.length; i++) {
    if (text[i] === '(') depth++;
    else if (text[i] === ')' && --depth === 0) return i + 1;
  }
  throw new Error(`unbalanced parentheses after: ${text.slice(start, start + 60)}`);
}

/**
 * Lowers the kernels' one pseudo-instruction, `(f32x4.madd X Y Z)` = X * Y + Z, into relaxed
 * SIMD's fused multiply-add (`fused`: one rounding, and half the instructions of the products'
 * inner loops) or into WebAssembly SIMD's multiply then add (two roundings; written `Z + X * Y`,
 * as the kernels were before the pseudo-instruction, so that module's bytes stayed the same).
 * Each operand must be a parenthesised expression; comments are left as they are. Exported for
 * its test.
 */
export function lowerMadd(text: string, fused: boolean): string {
  const op = '(f32x4.madd ';
  let out = '';
  let from = 0;
  for (let at = text.indexOf(op); at >= 0; at = text.indexOf(op, at + 1)) {
    if (at < from || text.slice(text.lastIndexOf('\n', at) + 1, at).includes(';;')) continue; // in a comment
    const end = closingParen(text, at);
    const operands: string[] = [];
    let i = at + op.length;
    while (i < end - 1) {
      if (/\s/.test(text[i])) i++;
      else if (text[i] === '(') {
        const close = closingParen(text, i);
        operands.push(lowerMadd(text.slice(i, close), fused));
        i = close;
      } else throw new Error(`f32x4.madd takes parenthesised operands: ${text.slice(at, end)}`);
    }
    if (operands.length !== 3) throw new Error(`f32x4.madd takes 3 operands, got ${operands.length}: ${text.slice(at, end)}`);
    const [x, y, z] = operands;
    out += text.slice(from, at) + (fused ? `(f32x4.relaxed_madd ${x} ${y} ${z})` : `(f32x4.add ${z} (f32x4.mul ${x} ${y}))`);
    from = end;
  }
  return out + text.slice(from);
}

export const BINARY_PATH = 'src/engine/fused/wasm/simd/binary.ts';

async function compile(text: string, shared: boolean, fused: boolean): Promise<Uint8Array> {
  const w = await wabt();
  // Shared memories must declare a maximum (tfjs's threaded build: 4 GiB, 65536 pages); a plain
  // import declares none, so any memory of tfjs's plain builds links.
  const placeholder = '(memory 1 MEMORY_LIMITS)';
  if (text.split(placeholder).length !== 2) throw new Error(`${WAT_PATH} must declare its imported memory once, as ${placeholder}`);
  const source = lowerMadd(text.replace(placeholder, shared ? '(memory 1 65536 shared)' : '(memory 1)'), fused);
  const module = w.parseWat(WAT_PATH, source, { simd: true, threads: true, relaxed_simd: fused });
  try {
    // No module.validate(): wabt.js validates without the threads feature and refuses the shared
    // import; the engine that instantiates the bytes validates them (tests/wasm-simd.test.ts).
    return module.toBinary({}).buffer;
  } finally {
    module.destroy();
  }
}

const base64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');

/** The text of binary.ts for the current kernels.wat, formatted as the lint's Prettier check wants it. */
export async function binaryModuleSource(): Promise<string> {
  const text = moduleText();
  const [plain, shared, plainFused, sharedFused] = await Promise.all([
    compile(text, false, false),
    compile(text, true, false),
    compile(text, false, true),
    compile(text, true, true),
  ]);
  const options = { ...(await prettier.resolveConfig(BINARY_PATH)), filepath: BINARY_PATH };
  return prettier.format(
    `/**
 * Generated by scripts/build-simd.ts from kernels.wat (do not edit; tests/wasm-simd.test.ts
 * checks it is current): the compiled kernels, base64, with the memory import plain and shared,
 * their products' multiply-adds as multiply then add, and fused (relaxed SIMD, _FMA).
 */
export const SIMD_KERNELS_PLAIN = '${base64(plain)}';
export const SIMD_KERNELS_SHARED = '${base64(shared)}';
export const SIMD_KERNELS_PLAIN_FMA = '${base64(plainFused)}';
export const SIMD_KERNELS_SHARED_FMA = '${base64(sharedFused)}';
`,
    options,
  );
}
