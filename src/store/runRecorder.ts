/**
 * Writes a run to IndexedDB as it happens: the run document at most every
 * SAVE_EVERY_MS (and at once when it ends), each checkpoint as it arrives.
 * Writes are chained so that they land in order, and a failed write is
 * reported, never thrown into the run. Before a checkpoint write that would
 * pass the origin's quota, it asks (through `onQuota`) instead of writing.
 */
import type { RunCheckpoint } from '../train/checkpoint';
import { storageInfo, type RunsDb } from './runsDb';
import type { StoredRun } from './storedRun';

const SAVE_EVERY_MS = 500;

/** Bytes a checkpoint takes, roughly (its float32 arrays dominate). */
function checkpointBytes(cp: RunCheckpoint): number {
  const sum = (ts: { data: Float32Array }[]) => ts.reduce((s, t) => s + t.data.byteLength, 0);
  return sum(cp.trainer.variables) + sum(cp.trainer.optimizer.m) + sum(cp.trainer.optimizer.v) + 1024 * cp.records.length;
}

export interface RecorderEvents {
  /** After each successful write, with what is stored now. */
  onSaved?(run: StoredRun): void;
  onError?(message: string): void;
  /** A write of `bytes` would pass the quota: return true to write anyway. */
  onQuota?(bytes: number, usage: number, quota: number): boolean;
}

export class RunRecorder {
  private chain: Promise<void> = Promise.resolve();
  private timer: ReturnType<typeof setTimeout> | null = null;
  /**
   * Set by finish() and close(): later events change nothing. Worker events come
   * through their own message port, so one can arrive after the run's result.
   */
  private closed = false;
  /** Set by close(): even writes already queued are dropped. */
  private deleted = false;

  constructor(
    private readonly db: RunsDb | null,
    private run: StoredRun,
    private readonly events: RecorderEvents = {},
  ) {}

  get current(): StoredRun {
    return this.run;
  }

  /** Merges `patch` into the run and schedules a write. */
  update(patch: Partial<StoredRun>): void {
    if (this.closed) return;
    this.run = { ...this.run, ...patch, updatedAt: Date.now() };
    if (!this.timer) this.timer = setTimeout(() => void this.flush(), SAVE_EVERY_MS); // flush reports its own failures
  }

  /** Writes the run now (after any write already queued). */
  flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    return this.enqueue(async (db) => {
      await db.put(this.run);
      this.events.onSaved?.(this.run);
    });
  }

  checkpoint(cp: RunCheckpoint): Promise<void> {
    if (this.closed) return this.chain;
    return this.enqueue(async (db) => {
      const bytes = checkpointBytes(cp);
      const storage = await storageInfo();
      if (storage && storage.quota > 0 && storage.usage + bytes > storage.quota && !this.events.onQuota?.(bytes, storage.usage, storage.quota)) return;
      await db.putCheckpoint(this.run, cp);
      // Merged into the latest document (the run may have moved on while this was written).
      this.run = { ...this.run, checkpointStep: cp.trainer.step };
      this.events.onSaved?.(this.run);
    });
  }

  /** The last patch (final status), written at once; resolves when everything queued has landed. */
  async finish(patch: Partial<StoredRun>): Promise<void> {
    if (this.closed) return this.chain;
    this.run = { ...this.run, ...patch, updatedAt: Date.now() };
    const last = this.flush();
    this.closed = true;
    await last;
  }

  /** Stops writing (the run was deleted): nothing queued after this lands. */
  close(): void {
    this.closed = true;
    this.deleted = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private enqueue(write: (db: RunsDb) => Promise<void>): Promise<void> {
    const db = this.db;
    if (!db) return this.chain;
    this.chain = this.chain.then(() =>
      (this.deleted ? Promise.resolve() : write(db)).catch((e: Error) => this.events.onError?.(`could not store the run: ${e.message}`)),
    );
    return this.chain;
  }
}
