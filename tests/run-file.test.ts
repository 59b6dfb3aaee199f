/**
 * Results files (src/store/runFile.ts): a real run (tiny MAE with a tiny
 * segmentation transfer, on cpu) exported as JSON and imported back equal but
 * for its id; the CSV's header, rows and numbers; and each class of rejection
 * with its named message (tests/run-file-rejections.test.ts). tests/fuzz.test.ts runs the malformed-file corpus.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { APP_VERSION, type StoredRun } from '../src/store/storedRun';
import { exportRunCsv, exportRunJson, parseRunFile, RUN_FILE_FORMAT, RUN_FILE_VERSION } from '../src/store/runFile';
import { useCpuBackend } from '../tooling/tfjsBackends';
import { fixtureRun } from './runFileFixture';

let run: StoredRun;

beforeAll(async () => {
  await useCpuBackend();
  run = await fixtureRun();
});

const withoutId = ({ id: _id, checkpointStep: _cp, ...rest }: StoredRun) => rest;

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
    expect(parseRunFile(exportRunJson({ ...run, status: 'diverged', reason: 'loss NaN at step 3' }))).toMatchObject({
      status: 'diverged',
      reason: 'loss NaN at step 3',
    });
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
  const fixed =
    'step,loss,flops,wallMs,stepMs,gpuMs,lr,evalFlops,evalMs,probeWorkerMs,probeAccuracy,probeLow,probeHigh,probeCorrect,probeTotal,patchMiou,linearAccuracy';

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
        r.step,
        r.loss,
        r.flops,
        r.wallMs,
        r.stepMs,
        r.lr,
        r.evalFlops,
        r.evalMs,
      ]);
      expect(n('gpuMs')).toBeUndefined();
      expect(n('probeWorkerMs')).toBe(r.probeWorkerMs);
      expect([n('probeAccuracy'), n('probeLow'), n('probeHigh'), n('probeCorrect'), n('probeTotal')]).toEqual([
        r.probeAccuracy,
        r.probeInterval?.[0],
        r.probeInterval?.[1],
        r.probeCorrect,
        r.probeTotal,
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
