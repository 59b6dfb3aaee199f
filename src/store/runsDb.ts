/**
 * Runs and their checkpoints in IndexedDB, through `idb` (promises and typed
 * stores over the raw request API). Two object stores: `runs` (StoredRun, by
 * id) and `checkpoints` (the latest RunCheckpoint of a run, by run id; ~3x the
 * model's parameters in float32). The database version is the schema version:
 * `upgrade` migrates from any older one, step by step.
 */
import { openDB, type DBSchema, type IDBPDatabase } from 'idb';
import type { RunCheckpoint } from '../train/checkpoint';
import type { StoredRun } from './storedRun';
import type { ImportedSnapshot } from '../data/imported';

const DB_NAME = 'floplab';
/** Schema version 1: runs + checkpoints; 2 adds `imports` (the imported image set). A later version adds a case to `upgrade`. */
const DB_VERSION = 2;
/** The one key of `imports`: the lab keeps one imported set, as the worker does. */
const CURRENT_IMPORT = 'current';

interface LabDb extends DBSchema {
  runs: { key: string; value: StoredRun; indexes: { byCreated: number } };
  checkpoints: { key: string; value: RunCheckpoint & { runId: string } };
  imports: { key: string; value: ImportedSnapshot };
}

export interface StorageInfo {
  usage: number;
  quota: number;
  persisted: boolean;
}

export class RunsDb {
  private constructor(private readonly db: IDBPDatabase<LabDb>) {}

  /** Opens (creating or migrating) the database; runs left 'running' or 'paused' by a closed tab become 'interrupted'. */
  static async open(name = DB_NAME): Promise<RunsDb> {
    const db = await openDB<LabDb>(name, DB_VERSION, {
      upgrade(database, oldVersion) {
        // Each step migrates from one version to the next, in order, from the stored one.
        if (oldVersion < 1) {
          const runs = database.createObjectStore('runs', { keyPath: 'id' });
          runs.createIndex('byCreated', 'createdAt');
          database.createObjectStore('checkpoints', { keyPath: 'runId' });
        }
        if (oldVersion < 2) database.createObjectStore('imports');
      },
    });
    const store = new RunsDb(db);
    await store.markInterrupted();
    return store;
  }

  private async markInterrupted(): Promise<void> {
    const tx = this.db.transaction('runs', 'readwrite');
    for (const run of await tx.store.getAll()) {
      if (run.status !== 'running' && run.status !== 'paused') continue;
      const resumable = run.checkpointStep !== undefined ? `; it can resume from step ${run.checkpointStep}` : '';
      await tx.store.put({ ...run, status: 'interrupted', reason: `the page closed or reloaded while it ran${resumable}`, updatedAt: Date.now() });
    }
    await tx.done;
  }

  /** Every stored run, newest first. */
  async list(): Promise<StoredRun[]> {
    return (await this.db.getAllFromIndex('runs', 'byCreated')).reverse();
  }

  get(id: string): Promise<StoredRun | undefined> {
    return this.db.get('runs', id);
  }

  async put(run: StoredRun): Promise<void> {
    await this.db.put('runs', run);
  }

  async rename(id: string, name: string): Promise<StoredRun> {
    const run = await this.get(id);
    if (!run) throw new Error(`no stored run ${id}`);
    const renamed = { ...run, name, updatedAt: Date.now() };
    await this.put(renamed);
    return renamed;
  }

  /** Deletes a run and its checkpoint. */
  async delete(id: string): Promise<void> {
    const tx = this.db.transaction(['runs', 'checkpoints'], 'readwrite');
    await Promise.all([tx.objectStore('runs').delete(id), tx.objectStore('checkpoints').delete(id), tx.done]);
  }

  /** Keeps the run's latest checkpoint (replacing the previous one) and notes its step on the stored run, in one transaction. */
  async putCheckpoint(run: StoredRun, checkpoint: RunCheckpoint): Promise<void> {
    const tx = this.db.transaction(['runs', 'checkpoints'], 'readwrite');
    const runs = tx.objectStore('runs');
    const current = (await runs.get(run.id)) ?? run;
    await Promise.all([
      tx.objectStore('checkpoints').put({ ...checkpoint, runId: run.id }),
      runs.put({ ...current, checkpointStep: checkpoint.trainer.step, updatedAt: Date.now() }),
      tx.done,
    ]);
  }

  async getCheckpoint(runId: string): Promise<RunCheckpoint | undefined> {
    const cp = await this.db.get('checkpoints', runId);
    if (!cp) return undefined;
    const { runId: _, ...checkpoint } = cp;
    return checkpoint;
  }

  /** Keeps the imported set, replacing the previous one. */
  async putImport(snapshot: ImportedSnapshot): Promise<void> {
    await this.db.put('imports', snapshot, CURRENT_IMPORT);
  }

  getImport(): Promise<ImportedSnapshot | undefined> {
    return this.db.get('imports', CURRENT_IMPORT);
  }

  async deleteImport(): Promise<void> {
    await this.db.delete('imports', CURRENT_IMPORT);
  }

  close(): void {
    this.db.close();
  }
}

/** Space used and available to this origin, and whether the browser keeps it under pressure; null where unsupported. */
export async function storageInfo(): Promise<StorageInfo | null> {
  const storage = typeof navigator !== 'undefined' ? navigator.storage : undefined;
  if (!storage?.estimate) return null;
  const { usage = 0, quota = 0 } = await storage.estimate();
  const persisted = storage.persisted ? await storage.persisted() : false;
  return { usage, quota, persisted };
}

/** Asks the browser to keep the lab's storage under pressure (it may say no); true when granted. */
export async function requestPersistence(): Promise<boolean> {
  const storage = typeof navigator !== 'undefined' ? navigator.storage : undefined;
  return storage?.persist ? storage.persist() : false;
}
