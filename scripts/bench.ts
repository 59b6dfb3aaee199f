/**
 * Benchmark, side by side: per backend, config, method (and, on WebGPU, fused kernels on/off when
 * the config has `engine.fused`): ms per training step with the FLOP hooks on and off (their
 * overhead), kernel calls and counted FLOPs per step, achieved GFLOP/s, memory, and PyTorch
 * eager's ms/step for the same model, batch and optimiser (scripts/bench_torch.py, when `python3`
 * has torch) with the ratio lab / PyTorch. Lab and PyTorch alternate, A/B/A/B, `--pairs` times per
 * cell (default 5; never at once: the browser idles while PyTorch runs); each is the median of
 * its pairs, and the ratio is the median of the per-pair ratios with their range. The load
 * average before the bench is printed, and the ratios are flagged when other work was running.
 * Runs the built app in headless Chromium through `window.floplab.benchmark`.
 *
 *   npm run bench                      # webgpu, wasm, cpu; tiny + default config; supervised
 *   npm run bench -- --backends=wasm,cpu --configs=tiny,default --methods=supervised,mae --steps=5
 *   npm run bench -- --backends=wasm --methods=supervised,mae,simclr,byol,dino,clip --torch=off
 *   npm run bench -- --backends=wasm --configs=tiny --switch   # wasm ms/step before/after a WebGPU step
 *
 * Flags: --backends, --configs (tiny, default, or a model preset name), --methods, --steps,
 * --warmup, --pairs=N (lab/PyTorch alternations per cell, default 5), --torch=auto|off,
 * --torch-device=cpu|cuda, --threads=N (PyTorch threads; default the lab's wasm thread count),
 * --python=PATH, --switch, --batch-worker=auto|on|off (engine.batchWorker of the lab's steps),
 * --out=FILE (default bench-results/bench.json).
 * Prints console.table and a Markdown table and writes the JSON. docs/bench.md explains the columns.
 */
import './help';
import { spawnSync } from 'node:child_process';
import { mkdirSync, realpathSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, platform, release } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { BenchResult, TorchMirrorSpec } from '../src/train/bench';
import {
  round,
  type BenchArgs,
  type BenchRow,
  type SwitchRow,
  type TorchOutput,
  type TorchRow,
  benchMarkdown,
  configFor,
  makeRow,
  pairedRatio,
  paramMismatches,
  parseArgs,
  parseTorchOutput,
  switchMarkdown,
  tableObjects,
  underLoad,
} from '../tooling/benchTable';

// ------------------------------------------------------------------ the run

type LabResult = BenchResult & { backend: { name: string; adapter?: { description?: string; architecture?: string } } };

function runTorch(args: BenchArgs, specs: (TorchMirrorSpec & { key: string })[], threads: number): { out: TorchOutput | null; why?: string } {
  const script = join(dirname(fileURLToPath(import.meta.url)), 'bench_torch.py');
  const cli = [
    script,
    '--spec',
    '-',
    '--steps',
    String(args.steps),
    '--warmup',
    String(args.warmup),
    '--threads',
    String(threads),
    '--device',
    args.torchDevice,
  ];
  console.log(`PyTorch: ${args.python} ${cli.join(' ')}`);
  const r = spawnSync(args.python, cli, {
    input: JSON.stringify({ specs }),
    encoding: 'utf8',
    stdio: ['pipe', 'pipe', 'inherit'],
    maxBuffer: 64 << 20,
    timeout: 60 * 60_000,
  });
  if (r.error) return { out: null, why: `${args.python} could not run (${(r.error as NodeJS.ErrnoException).code ?? r.error.message}): PyTorch skipped` };
  try {
    return { out: parseTorchOutput(r.stdout ?? '') };
  } catch (e) {
    return { out: null, why: `PyTorch skipped: ${(e as Error).message}${r.status ? ` (exit ${r.status})` : ''}` };
  }
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const { withLabPage } = await import('./labPage');
  const rows: BenchRow[] = [];
  const specs = new Map<string, TorchMirrorSpec & { key: string }>();
  const notes: string[] = [];
  const switchRows: SwitchRow[] = [];
  let browserVersion = '?';
  let fusedSupported = false;

  const load1Before = loadavg()[0];
  const torchOff = args.torch === 'off' ? 'PyTorch off (--torch=off)' : undefined;
  let torchInfo: TorchOutput | null = null;
  const torchRows = new Map<string, TorchRow>();
  await withLabPage(4180, async (page) => {
    browserVersion = page.context().browser()?.version() ?? '?';
    const bench = (config: object, hooks: boolean) =>
      page.evaluate(([c, o]) => window.floplab.benchmark(c, o), [config, { steps: args.steps, warmup: args.warmup, hooks }] as const) as Promise<LabResult>;

    // The fused dimension exists once the config takes `engine: { fused }` (checked at run time, not assumed).
    const probe = await page.evaluate(() => window.floplab.validateConfig({ engine: { fused: false } }));
    fusedSupported = probe.ok;
    if (!fusedSupported && args.backends.includes('webgpu'))
      notes.push(`fused dimension skipped: this build's config does not take engine.fused (${'error' in probe ? probe.error : 'refused'})`);

    for (const backend of args.backends) {
      const variants: { fused: string; extra: object }[] =
        backend === 'webgpu' && fusedSupported
          ? [
              { fused: 'on', extra: { engine: { fused: true } } },
              { fused: 'off', extra: { engine: { fused: false } } },
            ]
          : [{ fused: '-', extra: {} }];
      for (const name of args.configs)
        for (const method of args.methods)
          for (const variant of variants) {
            const extra = variant.extra as { engine?: object };
            const config = { ...configFor(name), ...extra, engine: { ...extra.engine, batchWorker: args.batchWorker }, method, backend };
            // Hooks off once (their overhead), then lab and PyTorch alternately, `pairs` times: A/B/A/B.
            const on: LabResult[] = [];
            const off: LabResult[] = [];
            const torchMs: number[] = [];
            let torchWhyHere: string | undefined = torchOff;
            try {
              // One untimed benchmark first: a page's first one of a config runs cold (1.3-2x slower on
              // the 2-core VM), and that first one was the hooks-off run below.
              await page.evaluate((c) => window.floplab.benchmark(c, { steps: 2, warmup: 1 }), config);
              off.push(await bench(config, false));
              for (let pair = 0; pair < args.pairs; pair++) {
                on.push(await bench(config, true));
                if (torchWhyHere) continue;
                const key = `${name}/${method}`;
                const spec = { ...on[0].mirror, key };
                if (!specs.has(key)) specs.set(key, spec);
                const threads = args.threads ?? on[0].threads ?? 1;
                const t = runTorch(args, [spec], threads);
                const row = t.out?.rows.find((r) => r.key === key);
                if (!t.out || !row || row.msPerStep === undefined) {
                  torchWhyHere = t.why ?? row?.error ?? 'PyTorch gave no row';
                  continue;
                }
                torchInfo = t.out;
                torchRows.set(key, row);
                torchMs.push(row.msPerStep);
              }
            } catch (e) {
              notes.push(
                `${backend} ${name} ${method}${variant.fused !== '-' ? ` fused ${variant.fused}` : ''}: failed: ${(e as Error).message.split('\n')[0]}`,
              );
              console.log(`failed: ${backend} ${name} ${method}: ${(e as Error).message.split('\n')[0]}`);
              continue;
            }
            const ran = on[on.length - 1].backend.name;
            if (ran !== backend) notes.push(`${backend} was asked for but ${ran} ran (${name} ${method})`);
            let row = makeRow({ backend: ran, config: name, method, fused: variant.fused }, on, off);
            if (torchMs.length === on.length) {
              const p = pairedRatio(
                on.map((r) => r.msPerStep),
                torchMs,
              );
              const ready = pairedRatio(
                on.map((r) => r.readyMsPerStep),
                torchMs,
              );
              row = {
                ...row,
                torchMs: round(p.torchMs, 2),
                labOverTorch: round(p.ratio, 2),
                ratioRange: [round(p.range[0], 2), round(p.range[1], 2)],
                readyOverTorch: round(ready.ratio, 2),
                readyRatioRange: [round(ready.range[0], 2), round(ready.range[1], 2)],
              };
            } else row = { ...row, torchNote: torchWhyHere ?? 'not measured' };
            rows.push(row);
            console.log(JSON.stringify(row));
          }
    }

    if (args.switch) {
      // ms/step on wasm alone, then after one WebGPU profileStep in the same page (the worker switches backends twice).
      for (const name of args.configs)
        for (const method of args.methods) {
          const config = { ...configFor(name), method, backend: 'wasm' };
          const before = await bench(config, true);
          await page.evaluate((c) => window.floplab.profileStep(c), { ...configFor(name), method, backend: 'webgpu' });
          const after = await bench(config, true);
          // profileStep does not say where it ran; the worker falls back to wasm when WebGPU is unavailable.
          const options = await page.evaluate(() => window.floplab.backends());
          const switchedTo = options.find((o) => o.id === 'webgpu')?.available ? 'webgpu' : 'webgpu unavailable: no switch';
          const r: SwitchRow = {
            config: name,
            method,
            wasmBefore: round(before.msPerStep, 2),
            switchedTo,
            wasmAfter: round(after.msPerStep, 2),
            changePct: round((100 * (after.msPerStep - before.msPerStep)) / before.msPerStep, 1),
          };
          switchRows.push(r);
          console.log(JSON.stringify({ switch: r }));
        }
    }
  });

  const info = torchInfo as TorchOutput | null; // assigned inside the page callback
  const torch: TorchOutput | null = info ? { ...info, rows: [...torchRows.values()] } : null;
  if (torch) notes.push(...paramMismatches([...specs.values()], torch));
  if (torchOff) notes.push(torchOff);
  const load1After = loadavg()[0];
  const loadLine = `load average (1 min) ${load1Before.toFixed(2)} before, ${load1After.toFixed(2)} after`;
  if (underLoad(load1Before))
    notes.push(`${loadLine}: other work was running before the bench started, so these ratios are not results; rerun on a quiet machine`);

  const date = new Date().toISOString();
  const machine = `${cpus()[0]?.model ?? '?'} x${cpus().length}, ${platform()} ${release()}, Chromium ${browserVersion}`;
  const torchLine = torch ? `PyTorch ${torch.torch} eager on ${torch.device}, ${torch.threads} thread(s)` : 'PyTorch: -';
  console.log(
    `\n${date}  ${machine}; ${loadLine}\n${torchLine}; lab and PyTorch alternated ${args.pairs} times per row (A/B/A/B), each ${args.steps} steps after ${args.warmup} warm-up; ms/step are medians over the pairs, the ratio the median of the per-pair ratios (range beside it)`,
  );
  console.table(tableObjects(rows));
  console.log(`\n${benchMarkdown(rows)}\n`);
  if (switchRows.length > 0) console.log(`${switchMarkdown(switchRows)}\n`);
  for (const n of notes) console.log(`note: ${n}`);

  mkdirSync(dirname(args.out), { recursive: true });
  writeFileSync(
    args.out,
    JSON.stringify(
      {
        date,
        machine,
        load1: { before: load1Before, after: load1After },
        underLoad: underLoad(load1Before),
        args,
        fusedSupported,
        torch: torch ? { version: torch.torch, device: torch.device, threads: torch.threads, rows: torch.rows } : null,
        notes,
        rows,
        switch: switchRows,
        specs: [...specs.values()],
      },
      null,
      2,
    ),
  );
  console.log(`wrote ${args.out}`);
}

const invokedAs = process.argv[1] ? pathToFileURL(realpathSync(process.argv[1])).href : '';
if (import.meta.url === invokedAs) {
  main().catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
