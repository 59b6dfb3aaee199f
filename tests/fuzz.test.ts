/**
 * The malformed-input corpus (tests/fixtures/fuzz/): configs (the API's
 * validateConfig), URL hashes (readConfigFromHash), method options (every
 * catalogued method), results files (parseRunFile) and image files. Each input
 * must give its named error, of the expected kind, and nothing else: no
 * TypeError, no uncaught exception, no polluted prototype.
 *
 * Images: Node has no createImageBitmap, so decodeToStored runs with the test
 * PNG decoder injected (tooling/png.ts), as tests/import.test.ts does;
 * everything before the decoder (magic bytes, header and truncation checks,
 * the size limit) is the lab's own code, and zips go through planPayload.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, validateConfig } from '../src/train/config';
import { readConfigFromHash } from '../src/store/urlState';
import { METHOD_IDS } from '../src/methods/catalog';
import { parseRunFile, RunFileError } from '../src/store/runFile';
import { decodeToStored, type Decoder } from '../src/data/decodeImage';
import { planPayload } from '../src/data/importFiles';
import { decodeTestPng } from '../tooling/png';

const dir = join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'fuzz');
// fs + JSON.parse (not a JSON import), so "__proto__" keys stay own keys as in a real file or link.
const load = <T>(name: string): T => JSON.parse(readFileSync(join(dir, name), 'utf8')) as T;

interface ConfigCase {
  why: string;
  input: unknown;
  error: string;
}
interface HashCase {
  why: string;
  hash: string;
  error: string;
}
interface OptionCase {
  method: string;
  class: 'range' | 'type' | 'unknown-key' | 'model';
  options: unknown;
  model?: unknown;
  error: string;
}
interface RunFileCase {
  why: string;
  error: string;
  text?: string;
  base64?: string;
  zeros?: number;
  set?: Record<string, unknown>;
  delete?: string[];
  fill?: Record<string, number>;
  replace?: [string, string][];
}
interface ImageCase {
  file: string;
  corrupt?: string;
  skipped?: string;
  thrown?: string;
}

const configs = load<ConfigCase[]>('configs.json');
const hashes = load<HashCase[]>('hashes.json');
const options = load<OptionCase[]>('method-options.json');
const runFiles = load<RunFileCase[]>('run-files.json');
const images = load<ImageCase[]>('images.json');
const baseText = readFileSync(join(dir, 'run-files', 'base.json'), 'utf8');

/** "/regex/" or a substring. */
function expectMessage(message: string, expected: string): void {
  const re = /^\/(.*)\/([a-z]*)$/s.exec(expected);
  if (re) expect(message).toMatch(new RegExp(re[1], re[2]));
  else expect(message).toContain(expected);
}

/** Calls fn and returns what it threw (undefined when it did not throw). */
function thrownBy(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  return undefined;
}

const describeError = (e: unknown) => (e instanceof Error ? `${e.constructor.name}: ${e.message}\n${e.stack}` : String(e));

/** The config's ConfigError message; fails on a throw or an accepted config. */
function configError(input: unknown): ConfigError {
  let result: ReturnType<typeof validateConfig> | undefined;
  const thrown = thrownBy(() => (result = validateConfig(input)));
  expect(thrown, `validateConfig threw ${describeError(thrown)}`).toBeUndefined();
  expect(result!.ok, 'accepted').toBe(false);
  const error = (result as { ok: false; error: ConfigError }).error;
  expect(error).toBeInstanceOf(ConfigError);
  return error;
}

const segments = (path: string) => path.split('.').map((k) => (/^\d+$/.test(k) ? Number(k) : k));

function parentOf(doc: unknown, path: string): [Record<PropertyKey, unknown>, PropertyKey] {
  const keys = segments(path);
  const last = keys.pop()!;
  const parent = keys.reduce<unknown>((v, k) => (v as Record<PropertyKey, unknown>)[k], doc);
  if (parent === null || typeof parent !== 'object') throw new Error(`corpus: ${path} has no parent object in base.json`);
  return [parent as Record<PropertyKey, unknown>, last];
}

/** The file a corpus entry describes: raw text or bytes, or base.json with its edits. */
function runFileInput(c: RunFileCase): string | Uint8Array {
  if (c.text !== undefined) return c.text;
  if (c.base64 !== undefined) return new Uint8Array(Buffer.from(c.base64, 'base64'));
  if (c.zeros !== undefined) return new Uint8Array(c.zeros);
  const doc = JSON.parse(baseText) as unknown;
  for (const [path, value] of Object.entries(c.set ?? {})) {
    const [parent, key] = parentOf(doc, path);
    parent[key] = value;
  }
  for (const path of c.delete ?? []) {
    const [parent, key] = parentOf(doc, path);
    delete parent[key];
  }
  for (const [path, n] of Object.entries(c.fill ?? {})) {
    const [parent, key] = parentOf(doc, path);
    parent[key] = new Array(n).fill(0);
  }
  let text = JSON.stringify(doc, null, 1);
  for (const [from, to] of c.replace ?? []) {
    expect(text, `corpus: "${from}" is not in base.json`).toContain(from);
    text = text.replace(from, to);
  }
  return text;
}

const decoder: Decoder = (bytes) => decodeTestPng(bytes);

afterAll(() => {
  // Nothing in the corpus may reach Object.prototype.
  expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  expect(({} as Record<string, unknown>).isAdmin).toBeUndefined();
});

describe(`fuzz corpus: ${configs.length + hashes.length + options.length + runFiles.length + images.length} malformed inputs`, () => {
  describe(`configs (validateConfig): ${configs.length}`, () => {
    it.each(configs.map((c) => [c.why, c] as const))('%s', (_, c) => {
      const error = configError(c.input);
      expectMessage(error.message, c.error);
      // The message names the field: each issue is "path: reason".
      expect(error.issues.length).toBeGreaterThan(0);
      expect(error.message.startsWith(`${error.issues[0].path || '(config)'}: `)).toBe(true);
    });
  });

  it('an own "__proto__" key inside methodOptions is refused by name, and nothing is polluted', () => {
    const input = JSON.parse('{"method":"mae","methodOptions":{"__proto__":{"maskRatio":5}}}') as unknown;
    const v = validateConfig(input);
    expect(v.ok ? '' : v.error.message).toBe('methodOptions.__proto__: forbidden key (it could change object prototypes)');
    expect(({} as Record<string, unknown>).maskRatio).toBeUndefined();
  });

  describe(`URL hashes (readConfigFromHash): ${hashes.length}`, () => {
    it.each(hashes.map((c) => [c.why, c] as const))('%s', (_, c) => {
      let result: ReturnType<typeof readConfigFromHash> | undefined;
      const thrown = thrownBy(() => (result = readConfigFromHash(c.hash)));
      expect(thrown, `readConfigFromHash threw ${describeError(thrown)}`).toBeUndefined();
      expect(result!.input).toBeUndefined();
      expect(typeof result!.error).toBe('string');
      expect(result!.error).toMatch(/^URL #config is (not valid JSON|invalid \(.+\)); the default experiment is loaded instead$/);
      expectMessage(result!.error!, c.error);
    });
  });

  describe(`method options (validateConfig, every method): ${options.length}`, () => {
    it('covers every catalogued method with an unknown key, a value out of range and a wrong type', () => {
      for (const method of METHOD_IDS) {
        const classes = new Set(options.filter((c) => c.method === method).map((c) => c.class));
        expect([...classes].sort(), method).toEqual(expect.arrayContaining(['range', 'type', 'unknown-key']));
      }
    });

    it.each(options.map((c) => [`${c.method} ${c.class} ${JSON.stringify(c.options)}`, c] as const))('%s', (_, c) => {
      const error = configError({ method: c.method, model: c.model ?? 'tiny', methodOptions: c.options });
      expectMessage(error.message, c.error);
      expect(error.issues.every((i) => i.path === 'methodOptions' || i.path.startsWith('methodOptions.'))).toBe(true);
    });
  });

  describe(`results files (parseRunFile): ${runFiles.length}`, () => {
    it('base.json, the file the edits start from, is a valid results file', () => {
      const run = parseRunFile(baseText);
      expect(run.records).toHaveLength(2);
      expect(run.config.method).toBe('mae');
    });

    it.each(runFiles.map((c) => [c.why, c] as const))('%s', (_, c) => {
      const input = runFileInput(c);
      const thrown = thrownBy(() => parseRunFile(input));
      expect(thrown, `accepted, or threw ${describeError(thrown)}`).toBeInstanceOf(RunFileError);
      const message = (thrown as RunFileError).message;
      expectMessage(message, c.error);
    });
  });

  describe(`image files (decodeToStored; zips through planPayload): ${images.length}`, () => {
    it.each(images.map((c) => [c.file, c] as const))('%s', async (_, c) => {
      const bytes = new Uint8Array(readFileSync(join(dir, 'images', c.file)));
      if (c.thrown !== undefined) {
        const thrown = thrownBy(() => planPayload({ zip: bytes, name: c.file }));
        // a plain Error naming the file, not a TypeError or RangeError from the unzipper
        expect(thrown, `did not throw, or threw ${describeError(thrown)}`).toBeInstanceOf(Error);
        expect((thrown as Error).constructor).toBe(Error);
        expect((thrown as Error).message).toContain(c.file);
        expectMessage((thrown as Error).message, c.thrown);
        return;
      }
      let result: Awaited<ReturnType<typeof decodeToStored>> | undefined;
      let thrown: unknown;
      try {
        result = await decodeToStored(bytes, decoder);
      } catch (e) {
        thrown = e;
      }
      expect(thrown, `decodeToStored threw ${describeError(thrown)}`).toBeUndefined();
      expect(result).not.toHaveProperty('rgb');
      if (c.skipped !== undefined) expectMessage((result as { skipped: string }).skipped, c.skipped);
      else expectMessage((result as { corrupt: string }).corrupt, c.corrupt!);
    });
  });
});
