/**
 * Results files (src/store/runFile.ts): a real run (tiny MAE with a tiny
 * segmentation transfer, on cpu) exported as JSON and imported back equal but
 * for its id; the CSV's header, rows and numbers; and each class of rejection
 * with its named message. tests/fuzz.test.ts runs the malformed-file corpus.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { defaultConfig } from '../src/train/config';
import { runExperiment } from '../src/train/runner';
import type { BackendInfo } from '../src/engine/backendIds';
import { APP_VERSION, type StoredRun } from '../src/store/storedRun';
import { exportRunCsv, exportRunJson, MAX_RUN_FILE_BYTES, parseRunFile, RUN_FILE_FORMAT, RUN_FILE_VERSION, RunFileError } from '../src/store/runFile';
import { useCpuBackend } from '../tooling/tfjsBackends';

const backend: BackendInfo = {
  name: 'cpu',
  reason: 'cpu (fallback: WebGPU unavailable; wasm failed to load)',
  adapter: { vendor: 'google', architecture: 'swiftshader', device: 'SwiftShader Device', description: 'software', isFallbackAdapter: true, features: ['timestamp-query'] },
  isSoftware: true,
  timestampQuery: false,
};

let run: StoredRun;

beforeAll(async () => {
  await useCpuBackend();
  const config = defaultConfig({
    method: 'mae',
    model: 'tiny',
    batchSize: 4,
    steps: 4,
    logEvery: 1,
    evalEvery: 2,
    backend: 'cpu',
    dataset: { size: 64 },
    probe: { trainSize: 16, testSize: 16, k: 3, dense: false },
    transfer: { kind: 'segmentation', steps: 1, batchSize: 2, trainSize: 8, valSize: 8, headWidth: 4, scratch: false },
  });
  const result = await runExperiment(config, backend);
  // CLIP-like monitors on some records, so the CSV has monitor columns with gaps.
  result.records.forEach((r, i) => (r.monitors = i % 2 === 0 ? { logitScale: 14.2857 + i, 'teacher.entropy': 0.1 * i } : undefined));
  run = {
    id: 'local-1',
    name: 'MAE tiny, 4 steps',
    createdAt: 1_767_000_000_000,
    updatedAt: 1_767_000_060_000,
    status: 'done',
    config: result.config,
    backend: result.backend,
    records: result.records,
    baseline: result.baseline,
    profile: result.profile,
    transfer: result.transfer,
    checkpointStep: 4,
    appVersion: APP_VERSION,
  };
  // JSON drops keys whose value is undefined (gpuMs on cpu): compare what a file can hold.
  run = JSON.parse(JSON.stringify(run)) as StoredRun;
});

const withoutId = ({ id: _id, checkpointStep: _cp, ...rest }: StoredRun) => rest;
const fileOf = (mutate: (doc: { run: Record<string, unknown> } & Record<string, unknown>) => void) => {
  const doc = JSON.parse(exportRunJson(run));
  mutate(doc);
  return JSON.stringify(doc);
};
const rejects = (input: string | Uint8Array | ArrayBuffer, message: RegExp | string) => {
  let error: unknown;
  try {
    parseRunFile(input);
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(RunFileError);
  expect((error as Error).message).toMatch(message);
};

describe('JSON round trip', () => {
  it('the run really has records, a preview, a baseline, a profile and a transfer result', () => {
    expect(run.records.map((r) => r.step)).toEqual([1, 2, 3, 4]);
    expect(run.records[1].preview!.panels).toHaveLength(3);
    expect(run.baseline).not.toBeNull();
    expect(run.profile!.totalFlops).toBeGreaterThan(0);
    expect(run.transfer).toHaveLength(1);
  });

  it('exports the envelope, without the checkpoint, and imports the same run under a new id', () => {
    const text = exportRunJson(run);
    const doc = JSON.parse(text);
    expect(doc).toMatchObject({ format: RUN_FILE_FORMAT, formatVersion: RUN_FILE_VERSION, appVersion: APP_VERSION });
    expect(new Date(doc.exportedAt).toISOString()).toBe(doc.exportedAt);
    expect(doc.run.checkpointStep).toBeUndefined();
    const back = parseRunFile(text);
    expect(back.id).not.toBe(run.id);
    expect(back.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(back.checkpointStep).toBeUndefined();
    expect(withoutId(back)).toEqual(withoutId(run));
    // bytes, as a File's arrayBuffer() gives them, with a BOM
    const bytes = new TextEncoder().encode(`\uFEFF${text}`);
    expect(withoutId(parseRunFile(bytes))).toEqual(withoutId(run));
    expect(withoutId(parseRunFile(bytes.buffer))).toEqual(withoutId(run));
    expect(parseRunFile(text).id).not.toBe(back.id);
  });

  it('a run exported while running or paused comes back interrupted; other statuses are kept', () => {
    for (const status of ['running', 'paused'] as const) {
      const back = parseRunFile(exportRunJson({ ...run, status }));
      expect(back.status).toBe('interrupted');
      expect(back.reason).toBe(`it was ${status} when exported`);
    }
    expect(parseRunFile(exportRunJson({ ...run, status: 'diverged', reason: 'loss NaN at step 3' }))).toMatchObject({ status: 'diverged', reason: 'loss NaN at step 3' });
  });
});

/** RFC 4180 reader, for the test. */
function readCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(cell);
      cell = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
      i++;
    } else cell += c;
  }
  return rows;
}

describe('CSV', () => {
  const fixed = 'step,loss,flops,wallMs,stepMs,gpuMs,lr,evalFlops,evalMs,probeAccuracy,probeLow,probeHigh,probeCorrect,probeTotal,patchMiou,linearAccuracy';

  it('has the header, one row per record, and every number back exactly; empty where a record has no value', () => {
    const rows = readCsv(exportRunCsv(run));
    expect(rows[0].join(',')).toBe(`${fixed},monitor.logitScale,monitor.teacher.entropy`);
    expect(rows).toHaveLength(run.records.length + 1);
    const col = (name: string) => rows[0].indexOf(name);
    run.records.forEach((r, i) => {
      const row = rows[i + 1];
      expect(row).toHaveLength(rows[0].length);
      const n = (name: string) => (row[col(name)] === '' ? undefined : Number(row[col(name)]));
      expect([n('step'), n('loss'), n('flops'), n('wallMs'), n('stepMs'), n('lr'), n('evalFlops'), n('evalMs')]).toEqual([
        r.step, r.loss, r.flops, r.wallMs, r.stepMs, r.lr, r.evalFlops, r.evalMs,
      ]);
      expect(n('gpuMs')).toBeUndefined();
      expect([n('probeAccuracy'), n('probeLow'), n('probeHigh'), n('probeCorrect'), n('probeTotal')]).toEqual([
        r.probeAccuracy, r.probeInterval?.[0], r.probeInterval?.[1], r.probeCorrect, r.probeTotal,
      ]);
      expect(n('monitor.logitScale')).toBe(r.monitors?.logitScale);
      expect(n('monitor.teacher.entropy')).toBe(r.monitors?.['teacher.entropy']);
    });
    expect(rows[2][col('probeAccuracy')]).not.toBe(''); // step 2 was probed
    expect(rows[1][col('probeAccuracy')]).toBe('');
    expect(exportRunCsv(run)).not.toMatch(/pixels|preview/);
  });

  it('quotes cells with commas, quotes or line breaks (RFC 4180), and writes full precision', () => {
    const r = { ...run.records[0], loss: 1 / 3, monitors: { 'a,b': 1e-20, 'say "hi"': 2, 'two\nlines': 3 } };
    const text = exportRunCsv({ ...run, records: [r] });
    expect(text.split('\r\n')[0]).toBe(`${fixed},"monitor.a,b","monitor.say ""hi""","monitor.two\nlines"`);
    const rows = readCsv(text);
    expect(rows[0].slice(-3)).toEqual(['monitor.a,b', 'monitor.say "hi"', 'monitor.two\nlines']);
    expect(rows[1][1]).toBe(String(1 / 3));
    expect(Number(rows[1][1])).toBe(1 / 3);
    expect(rows[1].slice(-3).map(Number)).toEqual([1e-20, 2, 3]);
    expect(readCsv(exportRunCsv({ ...run, records: [] }))).toEqual([fixed.split(',')]);
  });
});

describe('rejections name what is wrong', () => {
  it('not JSON, truncated JSON (with the position), empty, not UTF-8, not an object', () => {
    const text = exportRunJson(run);
    rejects(text.slice(0, 500), /^not valid JSON \(truncated: it ends after 500 characters\): /);
    const cut = text.indexOf('"name":"') + 10; // inside the run's name
    rejects(text.slice(0, cut), `not valid JSON (truncated: it ends after ${cut} characters): Unterminated string in JSON at position ${cut}`);
    rejects('floplab-run v1\nstep,loss', /^not valid JSON: Unexpected token/);
    rejects('{"format": "floplab-run",}', /^not valid JSON: .*position 25/);
    rejects('', 'empty file');
    rejects(new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]), 'not a text file: the bytes are not UTF-8');
    rejects('[1, 2]', 'expected a JSON object, got array');
    rejects('"floplab-run"', 'expected a JSON object, got string');
  });

  it('wrong format or unsupported version, saying which is supported', () => {
    rejects(fileOf((d) => (d.format = 'tensorboard')), 'format: expected "floplab-run", got "tensorboard" (not a FLOP Lab results file)');
    rejects(fileOf((d) => delete d.format), 'format: expected "floplab-run", got none');
    rejects(fileOf((d) => (d.formatVersion = 2)), 'formatVersion: 2 is not supported (this lab reads version 1)');
    rejects(fileOf((d) => (d.formatVersion = '1')), 'formatVersion: "1" is not supported');
    rejects(fileOf((d) => (d.exportedAt = 'yesterday')), 'exportedAt: not an ISO date-time');
    rejects(fileOf((d) => (d.extra = 1)), /^extra: unknown field/);
  });

  it('files over the size limit, before parsing', () => {
    const big = new Uint8Array(MAX_RUN_FILE_BYTES + 1); // zeros: not even JSON, but the size is reported first
    rejects(big, 'file too large: 64.0 MiB, results files up to 64.0 MiB can be imported');
    rejects('"' + 'é'.repeat(MAX_RUN_FILE_BYTES / 2 + 1) + '"', 'file too large'); // 2 bytes a character in UTF-8
  });

  it('absurd sizes: too many records, preview pixels that do not match size x size x 3 x count', () => {
    rejects(fileOf((d) => (d.run.records = Array.from({ length: 200_001 }, () => 0))), 'run.records: 200001 records, more than the 200000 a results file may hold');
    rejects(
      fileOf((d) => ((d.run.records as StoredRun['records'])[1].preview!.panels[2].pixels.length -= 3)),
      /^run\.records\.1\.preview\.panels\.2\.pixels: \d+ values where size x size x 3 x count = 16 x 16 x 3 x \d+ = \d+/,
    );
    rejects(fileOf((d) => ((d.run.records as StoredRun['records'])[1].preview!.size = 1e6)), /^run\.records\.1\.preview\.size: Too big/);
    rejects(fileOf((d) => (d.run.transfer = Array.from({ length: 65 }, () => ({})))), 'run.transfer: more than 64 transfer records');
  });

  it('prototype-pollution keys anywhere, as JSON.parse makes them own properties', () => {
    const text = exportRunJson(run);
    rejects(text.replace('"name":', '"__proto__":{"isAdmin":true},"name":'), 'run.__proto__: the key "__proto__" is not allowed (prototype pollution)');
    rejects(text.replace('"lr":', '"constructor":{"prototype":{}},"lr":'), /^run\.config\.optim\.constructor: the key "constructor" is not allowed/);
    rejects(text.replace('"monitors":{', '"monitors":{"prototype":1,'), /^run\.records\.0\.monitors\.prototype: the key "prototype"/);
    expect(({} as Record<string, unknown>).isAdmin).toBeUndefined();
  });

  it('HTML in text the page shows, naming the field', () => {
    const html = 'contains "<" or ">": HTML is not allowed';
    rejects(fileOf((d) => (d.run.name = '<img src=x onerror=alert(1)>')), `run.name: ${html}`);
    rejects(
      fileOf((d) => {
        d.run.status = 'error';
        d.run.reason = 'boom </script>';
      }),
      `run.reason: ${html}`,
    );
    rejects(fileOf((d) => ((d.run.backend as BackendInfo).adapter!.description = '<b>gpu</b>')), `run.backend.adapter.description: ${html}`);
    rejects(fileOf((d) => ((d.run.backend as BackendInfo).adapter!.features[0] = '<x>')), `run.backend.adapter.features.0: ${html}`);
    rejects(fileOf((d) => ((d.run.records as StoredRun['records'])[1].preview!.panels[0].label = '<i>input</i>')), `run.records.1.preview.panels.0.label: ${html}`);
    rejects(fileOf((d) => ((d.run.config as { carbon: { deviceName: string } }).carbon.deviceName = 'A100 <script>')), `run.config.carbon.deviceName: ${html}`);
    rejects(fileOf((d) => ((d.run.records as StoredRun['records'])[0].monitors = { '<svg onload=x>': 1 })), /^run\.records\.0\.monitors\.<svg onload=x>: not a valid monitor name/);
  });

  it('non-finite numbers, wrong types, unknown fields and bad configs, at the deepest path', () => {
    const text = exportRunJson(run);
    const loss = run.records[0].loss;
    rejects(text.replace(`"loss":${loss}`, '"loss":1e999'), 'run.records.0.loss: not a finite number (Infinity)');
    rejects(text.replace(`"loss":${loss}`, '"loss":-1e999'), 'run.records.0.loss: not a finite number (-Infinity)');
    rejects(fileOf((d) => ((d.run.records as unknown[])[3] = { ...(d.run.records as object[])[3], loss: '0.5' })), 'run.records.3.loss: expected number, got string');
    rejects(fileOf((d) => ((d.run.records as StoredRun['records'])[2].loss = null as unknown as number)), 'run.records.2.loss: expected number, got null');
    rejects(fileOf((d) => delete (d.run.records as Partial<StoredRun['records'][number]>[])[0].flops), 'run.records.0.flops: missing (expected number)');
    rejects(fileOf((d) => ((d.run.records as StoredRun['records'])[0] as unknown as Record<string, number>).lossy = 1), 'run.records.0.lossy: unknown field');
    rejects(fileOf((d) => (d.run.status = 'finished')), /^run\.status: expected one of/);
    rejects(fileOf((d) => ((d.run.config as { model: { dim: number } }).model.dim = 30)), /^run\.config\.model\.dim: dim 30 must be a multiple of 4/);
    rejects(fileOf((d) => ((d.run.config as { methodOptions: object }).methodOptions = { tempreature: 1 })), /^run\.config\.methodOptions\.tempreature: not a mae option/);
    rejects(fileOf((d) => ((d.run.profile as { config: { steps: number } }).config.steps = 0)), /^run\.profile\.config\.steps: Too small/);
    rejects(fileOf((d) => ((d.run.baseline as { step: number }).step = 1)), 'run.baseline.step: expected 0');
    rejects(fileOf((d) => ((d.run.transfer as StoredRun['transfer'])[0].runs[0].miou = 1.5)), /^run\.transfer\.0\.runs\.0\.miou: Too big/);
    rejects('{"format":"floplab-run","formatVersion":1,"appVersion":"0.2.0","exportedAt":"2026-01-01T00:00:00.000Z","run":' + '['.repeat(40) + ']'.repeat(40) + '}', 'nested deeper than 32 levels');
  });

  it('records whose steps do not increase, or go past the run', () => {
    rejects(fileOf((d) => ((d.run.records as StoredRun['records'])[2].step = 2)), 'run.records.2.step: steps must increase: 2 follows 2');
    rejects(fileOf((d) => ((d.run.records as StoredRun['records'])[3].step = 9)), "run.records.3.step: 9 is past the run's last step (4)");
    rejects(fileOf((d) => ((d.run.records as StoredRun['records'])[0].step = 0.5)), /^run\.records\.0\.step: expected int/);
  });
});
