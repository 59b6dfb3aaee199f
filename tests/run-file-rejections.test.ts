/** Results files refused, each class of problem with its named message (src/store/runFile.ts). */
import { beforeAll, describe, expect, it } from 'vitest';
import type { BackendInfo } from '../src/engine/backendIds';
import type { StoredRun } from '../src/store/storedRun';
import { exportRunJson, MAX_RUN_FILE_BYTES } from '../src/store/runFile';
import { useCpuBackend } from '../tooling/tfjsBackends';
import { fileOf as fileOfRun, fixtureRun, rejects } from './runFileFixture';

let run: StoredRun;

beforeAll(async () => {
  await useCpuBackend();
  run = await fixtureRun();
});

const fileOf = (mutate: Parameters<typeof fileOfRun>[1]) => fileOfRun(run, mutate);

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
    rejects(
      fileOf((d) => (d.format = 'tensorboard')),
      'format: expected "floplab-run", got "tensorboard" (not a FLOP Lab results file)',
    );
    rejects(
      fileOf((d) => delete d.format),
      'format: expected "floplab-run", got none',
    );
    rejects(
      fileOf((d) => (d.formatVersion = 2)),
      'formatVersion: 2 is not supported (this lab reads version 1)',
    );
    rejects(
      fileOf((d) => (d.formatVersion = '1')),
      'formatVersion: "1" is not supported',
    );
    rejects(
      fileOf((d) => (d.exportedAt = 'yesterday')),
      'exportedAt: not an ISO date-time',
    );
    rejects(
      fileOf((d) => (d.extra = 1)),
      /^extra: unknown field/,
    );
  });

  it('files over the size limit, before parsing', () => {
    const big = new Uint8Array(MAX_RUN_FILE_BYTES + 1); // zeros: not even JSON, but the size is reported first
    rejects(big, 'file too large: 64.0 MiB, results files up to 64.0 MiB can be imported');
    rejects('"' + 'é'.repeat(MAX_RUN_FILE_BYTES / 2 + 1) + '"', 'file too large'); // 2 bytes a character in UTF-8
  });

  it('absurd sizes: too many records, preview pixels that do not match size x size x 3 x count', () => {
    rejects(
      fileOf((d) => (d.run.records = Array.from({ length: 200_001 }, () => 0))),
      'run.records: 200001 records, more than the 200000 a results file may hold',
    );
    rejects(
      fileOf((d) => ((d.run.records as StoredRun['records'])[1].preview!.panels[2].pixels.length -= 3)),
      /^run\.records\.1\.preview\.panels\.2\.pixels: \d+ values where size x size x 3 x count = 16 x 16 x 3 x \d+ = \d+/,
    );
    rejects(
      fileOf((d) => ((d.run.records as StoredRun['records'])[1].preview!.size = 1e6)),
      /^run\.records\.1\.preview\.size: Too big/,
    );
    rejects(
      fileOf((d) => (d.run.transfer = Array.from({ length: 65 }, () => ({})))),
      'run.transfer: more than 64 transfer records',
    );
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
    rejects(
      fileOf((d) => (d.run.name = '<img src=x onerror=alert(1)>')),
      `run.name: ${html}`,
    );
    rejects(
      fileOf((d) => {
        d.run.status = 'error';
        d.run.reason = 'boom </script>';
      }),
      `run.reason: ${html}`,
    );
    rejects(
      fileOf((d) => ((d.run.backend as BackendInfo).adapter!.description = '<b>gpu</b>')),
      `run.backend.adapter.description: ${html}`,
    );
    rejects(
      fileOf((d) => ((d.run.backend as BackendInfo).adapter!.features[0] = '<x>')),
      `run.backend.adapter.features.0: ${html}`,
    );
    rejects(
      fileOf((d) => ((d.run.records as StoredRun['records'])[1].preview!.panels[0].label = '<i>input</i>')),
      `run.records.1.preview.panels.0.label: ${html}`,
    );
    rejects(
      fileOf((d) => ((d.run.config as { carbon: { deviceName: string } }).carbon.deviceName = 'A100 <script>')),
      `run.config.carbon.deviceName: ${html}`,
    );
    rejects(
      fileOf((d) => ((d.run.records as StoredRun['records'])[0].monitors = { '<svg onload=x>': 1 })),
      /^run\.records\.0\.monitors\.<svg onload=x>: not a valid monitor name/,
    );
  });

  it('non-finite numbers, wrong types, unknown fields and bad configs, at the deepest path', () => {
    const text = exportRunJson(run);
    const loss = run.records[0].loss;
    rejects(text.replace(`"loss":${loss}`, '"loss":1e999'), 'run.records.0.loss: not a finite number (Infinity)');
    rejects(text.replace(`"loss":${loss}`, '"loss":-1e999'), 'run.records.0.loss: not a finite number (-Infinity)');
    rejects(
      fileOf((d) => ((d.run.records as unknown[])[3] = { ...(d.run.records as object[])[3], loss: '0.5' })),
      'run.records.3.loss: expected number, got string',
    );
    rejects(
      fileOf((d) => ((d.run.records as StoredRun['records'])[2].loss = null as unknown as number)),
      'run.records.2.loss: expected number, got null',
    );
    rejects(
      fileOf((d) => delete (d.run.records as Partial<StoredRun['records'][number]>[])[0].flops),
      'run.records.0.flops: missing (expected number)',
    );
    rejects(
      fileOf((d) => (((d.run.records as StoredRun['records'])[0] as unknown as Record<string, number>).lossy = 1)),
      'run.records.0.lossy: unknown field',
    );
    rejects(
      fileOf((d) => (d.run.status = 'finished')),
      /^run\.status: expected one of/,
    );
    rejects(
      fileOf((d) => ((d.run.config as { model: { dim: number } }).model.dim = 30)),
      /^run\.config\.model\.dim: dim 30 must be a multiple of 4/,
    );
    rejects(
      fileOf((d) => ((d.run.config as { methodOptions: object }).methodOptions = { tempreature: 1 })),
      /^run\.config\.methodOptions\.tempreature: not a mae option/,
    );
    rejects(
      fileOf((d) => ((d.run.profile as { config: { steps: number } }).config.steps = 0)),
      /^run\.profile\.config\.steps: Too small/,
    );
    rejects(
      fileOf((d) => ((d.run.baseline as { step: number }).step = 1)),
      'run.baseline.step: expected 0',
    );
    rejects(
      fileOf((d) => ((d.run.transfer as StoredRun['transfer'])[0].runs[0].miou = 1.5)),
      /^run\.transfer\.0\.runs\.0\.miou: Too big/,
    );
    rejects(
      '{"format":"floplab-run","formatVersion":1,"appVersion":"0.2.0","exportedAt":"2026-01-01T00:00:00.000Z","run":' + '['.repeat(40) + ']'.repeat(40) + '}',
      'nested deeper than 32 levels',
    );
  });

  it('records whose steps do not increase, or go past the run', () => {
    rejects(
      fileOf((d) => ((d.run.records as StoredRun['records'])[2].step = 2)),
      'run.records.2.step: steps must increase: 2 follows 2',
    );
    rejects(
      fileOf((d) => ((d.run.records as StoredRun['records'])[3].step = 9)),
      "run.records.3.step: 9 is past the run's last step (4)",
    );
    rejects(
      fileOf((d) => ((d.run.records as StoredRun['records'])[0].step = 0.5)),
      /^run\.records\.0\.step: expected int/,
    );
  });
});
