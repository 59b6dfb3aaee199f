/**
 * Merges the outputs of a sharded `npm run reproduce` (one folder per shard,
 * each with its results.json) into the files one unsharded run would have
 * written: results.json and results.csv in sweep order, and the charts drawn
 * by the page from the merged results. Refuses shards of different sweeps,
 * runs present twice, and missing runs, naming them.
 *
 *   npm run merge -- out/f1-0 out/f1-1 out/f1-2 --out out/figure1
 */
import './help';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { withLabPage } from './labPage';
import { MERGE_USAGE, parseMergeArgs, type MergeArgs } from '../tooling/reproduceArgs';
import { experimentPreset } from '../src/experiments/presets';
import { mergeSweepFiles, parseSweepFile, sweepCsv, type SweepFile } from '../src/experiments/sweepResults';
import { saveSweepCharts } from './reproduceOutput';

let args: MergeArgs;
try {
  args = parseMergeArgs(process.argv.slice(2));
} catch (e) {
  console.error(`merge: ${(e as Error).message}\n${MERGE_USAGE}`);
  process.exit(2);
}

function readShard(dir: string): SweepFile {
  const path = join(dir, 'results.json');
  if (!existsSync(path)) throw new Error(`${path} does not exist`);
  try {
    return parseSweepFile(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new Error(`${path}: ${(e as Error).message}`);
  }
}

try {
  const merged = mergeSweepFiles(args.dirs.map(readShard));
  mkdirSync(args.out, { recursive: true });
  const json = JSON.stringify(merged, null, 2);
  writeFileSync(join(args.out, 'results.json'), json);
  writeFileSync(join(args.out, 'results.csv'), sweepCsv(merged));
  console.error(`merge: ${merged.points.length} runs from ${args.dirs.length} shard(s) -> ${args.out}/results.json, results.csv`);
  if (args.build && spawnSync('npx', ['vite', 'build', '--logLevel', 'error'], { stdio: 'inherit' }).status !== 0)
    throw new Error('the build failed (see above)');
  const grid = merged.preset !== undefined && experimentPreset(merged.preset).view === 'grid';
  await withLabPage(
    args.port,
    async (page) => {
      await page.evaluate((text) => window.floplab.openSweepResults(text), json);
      await saveSweepCharts(page, args.out, grid);
    },
    { width: 1400, height: 1000 },
  );
  console.error(`merge: charts written to ${args.out}`);
} catch (e) {
  console.error(`merge: ${(e as Error).message}`);
  process.exit(1);
}
