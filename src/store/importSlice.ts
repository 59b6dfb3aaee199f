/**
 * The imported image set, kept across reloads (issue 19): the worker decodes and holds the
 * images; after each import the page stores them as one snapshot in IndexedDB (within the
 * site's quota), restores them into the worker at start-up and after a worker restart, and
 * deletes them on request. Until a set is present, a config on preset 'imported' is invalid
 * (`importProblem`), so Run stays disabled and the form says why.
 */
import type { StoreApi } from 'zustand';
import type { ImportPayload, ImportReport } from '../data/importFiles';
import type { ExperimentInput } from '../train/config';
import type { LabClient } from '../worker/client';
import type { ImportProgress } from '../worker/importService';
import { storageInfo, type RunsDb } from './runsDb';

/** Where the imported images are kept: in this browser (their bytes), or this session only (why). */
export type ImportKept = { kept: true; bytes: number } | { kept: false; reason: string };

export interface ImportSlice {
  /** The current import's report (the images stay in the worker); null when there is none. */
  imported: ImportReport | null;
  importKept: ImportKept | null;
  importImages(payload: ImportPayload, onProgress?: (p: ImportProgress) => void): Promise<ImportReport>;
  /** Puts the kept set back into the worker (start-up, worker restart); null when none is kept. */
  restoreImported(): Promise<ImportReport | null>;
  /** Drops the set from the worker and from storage. */
  forgetImported(): Promise<void>;
}

export interface ImportDeps {
  client: LabClient;
  remote: <T extends (...a: never[]) => unknown>(f: T) => T;
  db: Promise<RunsDb | null>;
  /** Re-checks the edited config once the set appears or goes. */
  revalidate(): void;
}

/** Why `input` cannot run with this import state, in the form's words; null when it can. */
export function importProblem(input: ExperimentInput, imported: ImportReport | null): string | null {
  const preset = (input.dataset as { preset?: string } | undefined)?.preset;
  if (preset !== 'imported' || (imported && imported.imported > 0)) return null;
  return 'Pre-training dataset: no images are imported. Import a folder or a .zip (Dataset card) first, or choose another dataset.';
}

const MB = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;

type Set<S> = StoreApi<S>['setState'];
type Get<S> = StoreApi<S>['getState'];

export function createImportSlice<S extends ImportSlice>(set: Set<S>, _get: Get<S>, deps: ImportDeps): ImportSlice {
  const patch = (p: Partial<ImportSlice>) => set(p as Partial<S>);

  /** Stores the worker's current set, unless it would pass the quota; says which happened. */
  async function keep(): Promise<ImportKept> {
    const db = await deps.db;
    if (!db) return { kept: false, reason: 'this browser gives the page no IndexedDB: the images are kept for this session only' };
    const snapshot = await deps.client.importedSnapshot();
    if (!snapshot) return { kept: false, reason: 'no images to keep' };
    const bytes = snapshot.pixels.byteLength;
    const info = await storageInfo().catch(() => null);
    if (info && info.quota > 0 && info.usage + bytes > info.quota)
      return {
        kept: false,
        reason: `keeping ${MB(bytes)} of images would pass this site's storage quota (${MB(info.usage)} of ${MB(info.quota)} used): kept for this session only; delete old runs to make room`,
      };
    try {
      await db.putImport(snapshot);
      return { kept: true, bytes };
    } catch (e) {
      return { kept: false, reason: `could not store the images (${(e as Error).message}): kept for this session only` };
    }
  }

  return {
    imported: null,
    importKept: null,
    async importImages(payload, onProgress) {
      const report = await deps.client.importImages(payload, onProgress && deps.remote(onProgress));
      patch({ imported: report, importKept: null });
      deps.revalidate();
      patch({ importKept: await keep() });
      return report;
    },
    async restoreImported() {
      const db = await deps.db;
      const snapshot = await db?.getImport();
      if (!snapshot) return null;
      try {
        const report = await deps.client.restoreImported(snapshot);
        patch({ imported: report, importKept: { kept: true, bytes: snapshot.pixels.byteLength } });
        return report;
      } catch (e) {
        patch({ imported: null, importKept: { kept: false, reason: (e as Error).message } });
        return null;
      } finally {
        deps.revalidate();
      }
    },
    async forgetImported() {
      await deps.client.forgetImported();
      await (await deps.db)?.deleteImport();
      patch({ imported: null, importKept: null });
      deps.revalidate();
    },
  };
}
