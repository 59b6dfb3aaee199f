/**
 * Results files: a stored run exported as JSON (everything the page shows about
 * it, so it can be imported into another lab) or as CSV (its records, for a
 * spreadsheet), and the import, which trusts nothing in the file: size first,
 * then JSON, then prototype-pollution keys, nesting and non-finite numbers,
 * then the format, then strict schemas (src/store/runFileSchema.ts; the config
 * through the config's own schema). Every rejection is a RunFileError naming
 * the deepest field. Free of tfjs: the page imports it.
 */
import type { z } from 'zod';
import { ConfigError, resolveConfig, type ExperimentConfig } from '../train/config';
import type { StepProfile, TrainRecord } from '../train/records';
import { envelopeSchema, RUN_FILE_LIMITS, storedRunSchema } from './runFileSchema';
import type { StoredRun } from './storedRun';
import { csvText } from '../lib/csv';

export const RUN_FILE_FORMAT = 'floplab-run';
export const RUN_FILE_VERSION = 1;
/** Larger files are refused before they are read as text or parsed. */
export const MAX_RUN_FILE_BYTES = 64 * 1024 * 1024;

export class RunFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RunFileError';
  }
}

/** The run as a results file (checkpoints are not exported). */
export function exportRunJson(run: StoredRun): string {
  const { checkpointStep: _checkpoint, ...exported } = run;
  return JSON.stringify({
    format: RUN_FILE_FORMAT,
    formatVersion: RUN_FILE_VERSION,
    appVersion: run.appVersion,
    exportedAt: new Date().toISOString(),
    run: exported,
  });
}

const CSV_COLUMNS: [string, (r: TrainRecord) => number | undefined][] = [
  ['step', (r) => r.step],
  ['loss', (r) => r.loss],
  ['flops', (r) => r.flops],
  ['wallMs', (r) => r.wallMs],
  ['stepMs', (r) => r.stepMs],
  ['gpuMs', (r) => r.gpuMs],
  ['lr', (r) => r.lr],
  ['evalFlops', (r) => r.evalFlops],
  ['evalMs', (r) => r.evalMs],
  ['probeWorkerMs', (r) => r.probeWorkerMs],
  ['probeAccuracy', (r) => r.probeAccuracy],
  ['probeLow', (r) => r.probeInterval?.[0]],
  ['probeHigh', (r) => r.probeInterval?.[1]],
  ['probeCorrect', (r) => r.probeCorrect],
  ['probeTotal', (r) => r.probeTotal],
  ['patchMiou', (r) => r.patchMiou],
  ['linearAccuracy', (r) => r.linearAccuracy],
];

/** One row per record: the fixed columns, then `monitor.<name>` for every monitor any record has (first-seen order). Empty cell = no value. */
export function exportRunCsv(run: StoredRun): string {
  const monitors = [...new Set(run.records.flatMap((r) => Object.keys(r.monitors ?? {})))];
  const header = [...CSV_COLUMNS.map(([name]) => name), ...monitors.map((m) => `monitor.${m}`)];
  const rows = run.records.map((r) => [
    ...CSV_COLUMNS.map(([, get]) => get(r)),
    ...monitors.map((m) => (r.monitors && Object.hasOwn(r.monitors, m) ? r.monitors[m] : undefined)),
  ]);
  return csvText([header, ...rows]);
}

const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/** Field path as messages write it: run.records.3.loss. */
const pathOf = (path: readonly PropertyKey[]) => path.map(String).join('.');

const kindOf = (v: unknown): string =>
  v === undefined ? 'nothing' : v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v === 'number' && !Number.isFinite(v) ? String(v) : typeof v;

/** Walks the parsed document without recursion: forbidden keys, nesting depth, non-finite numbers (1e999 parses to Infinity). */
function checkTree(doc: unknown): void {
  const stack: [unknown, PropertyKey[]][] = [[doc, []]];
  while (stack.length > 0) {
    const [value, path] = stack.pop()!;
    if (typeof value === 'number' && !Number.isFinite(value)) throw new RunFileError(`${pathOf(path) || '(file)'}: not a finite number (${value})`);
    if (value === null || typeof value !== 'object') continue;
    if (path.length >= RUN_FILE_LIMITS.depth) throw new RunFileError(`${pathOf(path)}: nested deeper than ${RUN_FILE_LIMITS.depth} levels`);
    if (Array.isArray(value)) {
      for (let i = value.length - 1; i >= 0; i--) stack.push([value[i], [...path, i]]);
      continue;
    }
    for (const key of Object.keys(value)) {
      if (FORBIDDEN_KEYS.has(key)) throw new RunFileError(`${pathOf([...path, key])}: the key "${key}" is not allowed (prototype pollution)`);
      stack.push([(value as Record<string, unknown>)[key], [...path, key]]);
    }
  }
}

const valueAt = (doc: unknown, path: readonly PropertyKey[]): unknown =>
  path.reduce<unknown>((v, k) => (v !== null && typeof v === 'object' ? (v as Record<PropertyKey, unknown>)[k] : undefined), doc);

/** The first issue (the deepest field) as `path: reason`, zod's wording made plain. */
function issueMessage(error: z.ZodError, input: unknown, prefix: string): string {
  const messages = error.issues.slice(0, 3).flatMap((issue) => {
    const at = (path: readonly PropertyKey[]) => [prefix, pathOf(path)].filter(Boolean).join('.') || '(file)';
    if (issue.code === 'invalid_type') {
      const got = valueAt(input, issue.path);
      return [
        `${at(issue.path)}: ${got === undefined ? (issue.expected === 'nonoptional' ? 'missing' : `missing (expected ${issue.expected})`) : `expected ${issue.expected}, got ${kindOf(got)}`}`,
      ];
    }
    if (issue.code === 'unrecognized_keys') return issue.keys.map((key) => `${at([...issue.path, key])}: unknown field`);
    const message = issue.code === 'invalid_key' ? (issue.issues[0]?.message ?? issue.message) : issue.message;
    return [`${at(issue.path)}: ${message.replace(/^Invalid (input|option): /, '')}`];
  });
  return messages.join('; ');
}

function parseWith<S extends z.ZodType>(schema: S, input: unknown, prefix: string): z.output<S> {
  const parsed = schema.safeParse(input);
  if (!parsed.success) throw new RunFileError(issueMessage(parsed.error, input, prefix));
  return parsed.data;
}

function parseConfig(input: unknown, prefix: string): ExperimentConfig {
  try {
    return resolveConfig(input);
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    throw new RunFileError(e.issues.map((i) => `${[prefix, i.path].filter(Boolean).join('.')}: ${i.message}`).join('; '));
  }
}

/** The file's text: size checked first, bytes decoded as strict UTF-8, a BOM dropped. */
function textOf(input: string | ArrayBuffer | Uint8Array): string {
  const mb = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MiB`;
  const tooLarge = (bytes: number) => new RunFileError(`file too large: ${mb(bytes)}, results files up to ${mb(MAX_RUN_FILE_BYTES)} can be imported`);
  let text: string;
  if (typeof input === 'string') {
    // UTF-8 takes at least one byte per UTF-16 unit: only a long string needs counting.
    const bytes = input.length * 3 <= MAX_RUN_FILE_BYTES ? 0 : new TextEncoder().encode(input).byteLength;
    if (bytes > MAX_RUN_FILE_BYTES) throw tooLarge(bytes);
    text = input;
  } else if (input instanceof Uint8Array || input instanceof ArrayBuffer || Object.prototype.toString.call(input) === '[object ArrayBuffer]') {
    if (input.byteLength > MAX_RUN_FILE_BYTES) throw tooLarge(input.byteLength);
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(input);
    } catch {
      throw new RunFileError('not a text file: the bytes are not UTF-8 (a results file is JSON)');
    }
  } else {
    throw new RunFileError(`expected the file's text or bytes, got ${kindOf(input)}`);
  }
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

function parseJson(text: string): unknown {
  if (text.trim() === '') throw new RunFileError('empty file: a results file is JSON');
  try {
    return JSON.parse(text);
  } catch (e) {
    const message = String((e as Error)?.message ?? e).slice(0, 200);
    const at = /position (\d+)/.exec(message);
    const truncated = /end of JSON input|Unterminated/.test(message) || (at !== null && Number(at[1]) >= text.trimEnd().length);
    throw new RunFileError(`not valid JSON${truncated ? ` (truncated: it ends after ${text.length} characters)` : ''}: ${message}`);
  }
}

const randomId = (): string =>
  typeof globalThis.crypto?.randomUUID === 'function'
    ? globalThis.crypto.randomUUID()
    : `run-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 10)}${Math.random().toString(36).slice(2, 10)}`;

/** A results file as a new stored run (fresh id; a running or paused run comes in as interrupted; no checkpoint). Throws RunFileError. */
export function parseRunFile(input: string | ArrayBuffer | Uint8Array): StoredRun {
  const doc = parseJson(textOf(input));
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc))
    throw new RunFileError(`not a FLOP Lab results file: expected a JSON object, got ${kindOf(doc)}`);
  checkTree(doc);
  const { format, formatVersion } = doc as Record<string, unknown>;
  if (format !== RUN_FILE_FORMAT)
    throw new RunFileError(
      `format: expected "${RUN_FILE_FORMAT}", got ${format === undefined ? 'none' : JSON.stringify(format).slice(0, 60)} (not a FLOP Lab results file)`,
    );
  if (formatVersion !== RUN_FILE_VERSION)
    throw new RunFileError(`formatVersion: ${JSON.stringify(formatVersion) ?? 'missing'} is not supported (this lab reads version ${RUN_FILE_VERSION})`);
  const envelope = parseWith(envelopeSchema, doc, '');
  const raw = envelope.run;
  if (raw !== null && typeof raw === 'object' && Array.isArray((raw as { records?: unknown }).records)) {
    const n = (raw as { records: unknown[] }).records.length;
    if (n > RUN_FILE_LIMITS.records) throw new RunFileError(`run.records: ${n} records, more than the ${RUN_FILE_LIMITS.records} a results file may hold`);
  }
  const run = parseWith(storedRunSchema, raw, 'run');
  const config = parseConfig(run.config, 'run.config');
  const profile: StepProfile | null = run.profile && { ...run.profile, config: parseConfig(run.profile.config, 'run.profile.config') };
  if (/[<>]/.test(config.carbon.deviceName))
    throw new RunFileError('run.config.carbon.deviceName: contains "<" or ">": HTML is not allowed in text the page shows');
  run.records.forEach((r, i) => {
    if (r.step > config.steps) throw new RunFileError(`run.records.${i}.step: ${r.step} is past the run's last step (${config.steps})`);
  });
  const { checkpointStep: _dropped, ...rest } = run;
  const live = run.status === 'running' || run.status === 'paused';
  return {
    ...rest,
    id: randomId(),
    status: live ? 'interrupted' : run.status,
    ...(live && run.reason === undefined ? { reason: `it was ${run.status} when exported` } : {}),
    config,
    profile,
  };
}
