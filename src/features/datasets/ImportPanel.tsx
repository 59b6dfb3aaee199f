/**
 * Bring your own images: pick a folder (class sub-folders become labels) or a
 * .zip, or drop either on the panel. The page only reads the bytes; the worker
 * decodes, resizes and checks them (via `onImport`) and answers with a report,
 * which lists every file it could not use and why.
 */
import { useRef, useState, type DragEvent } from 'react';
import { IMPORT_LIMITS, type ImportFile, type ImportPayload, type ImportReport } from '../../data/importFiles';
import type { ImportProgress } from '../../worker/importService';
import type { ImportKept } from '../../store/importSlice';
import { Card } from '../../ui/Card';
import { formatBytes } from '../../lib/bytes';

export interface ImportPanelProps {
  /** The current imported set's report (restored after a reload too); null when there is none. */
  report: ImportReport | null;
  /** Whether the set is kept in this browser, or why not. */
  kept: ImportKept | null;
  /** Sends the bytes to the worker; `onProgress` (optional) reports decoding progress. */
  onImport: (payload: ImportPayload, onProgress?: (p: ImportProgress) => void) => Promise<ImportReport>;
  /** Drops the set from the worker and from storage. */
  onForget: () => Promise<void>;
}

/** A picked or dropped file and the path the import should see (folder-relative). */
interface Picked {
  file: File;
  path: string;
}

const isZip = (file: File) => /\.zip$/i.test(file.name) || file.type === 'application/zip' || file.type === 'application/x-zip-compressed';

/** Bytes of the picked files, or of the one zip: what crosses to the worker. */
async function readPicked(picked: Picked[]): Promise<ImportPayload> {
  if (picked.length === 1 && isZip(picked[0].file)) return { zip: new Uint8Array(await picked[0].file.arrayBuffer()), name: picked[0].file.name };
  const zips = picked.filter((p) => isZip(p.file));
  if (zips.length > 0 && zips.length === picked.length) throw new Error(`drop one .zip at a time (got ${zips.length})`);
  return Promise.all(picked.map(async ({ file, path }): Promise<ImportFile> => ({ path, bytes: new Uint8Array(await file.arrayBuffer()) })));
}

/** Every file under dropped entries, with its path from the dropped item (a directory reader returns entries in batches). */
async function droppedFiles(data: DataTransfer): Promise<Picked[]> {
  const entries = Array.from(data.items, (item) => item.webkitGetAsEntry()).filter((e): e is FileSystemEntry => e !== null);
  // No entries (a synthetic drop, an old browser): plain files, no folders.
  if (entries.length === 0) return Array.from(data.files, (file) => ({ file, path: file.name }));
  const out: Picked[] = [];
  const walk = async (entry: FileSystemEntry): Promise<void> => {
    if (entry.isFile) {
      const file = await new Promise<File>((resolve, reject) => (entry as FileSystemFileEntry).file(resolve, reject));
      out.push({ file, path: entry.fullPath.replace(/^\/+/, '') });
      return;
    }
    const reader = (entry as FileSystemDirectoryEntry).createReader();
    for (;;) {
      const batch = await new Promise<FileSystemEntry[]>((resolve, reject) => reader.readEntries(resolve, reject));
      if (batch.length === 0) break;
      for (const child of batch) await walk(child);
    }
  };
  for (const entry of entries) await walk(entry);
  return out;
}

type Status = { kind: 'idle' } | { kind: 'busy'; message: string } | { kind: 'error'; message: string };

export function ImportPanel({ report, kept, onImport, onForget }: ImportPanelProps) {
  const [status, setStatus] = useState<Status>({ kind: 'idle' });
  const [dragging, setDragging] = useState(false);
  const folderInput = useRef<HTMLInputElement>(null);
  const zipInput = useRef<HTMLInputElement>(null);
  const busy = status.kind === 'busy';

  const importPicked = async (picked: Picked[]) => {
    if (picked.length === 0) return;
    const bytes = picked.reduce((sum, p) => sum + p.file.size, 0);
    // Refused before reading anything: the worker would refuse it anyway.
    if (bytes > IMPORT_LIMITS.maxTotalBytes) {
      setStatus({ kind: 'error', message: `${formatBytes(bytes)} picked: at most ${formatBytes(IMPORT_LIMITS.maxTotalBytes)} can be imported at once` });
      return;
    }
    try {
      setStatus({ kind: 'busy', message: `Reading ${picked.length.toLocaleString('en-US')} file${picked.length === 1 ? '' : 's'} (${formatBytes(bytes)})…` });
      const payload = await readPicked(picked);
      setStatus({ kind: 'busy', message: 'Decoding in the worker…' });
      // The store keeps the report; the panel shows it from there.
      await onImport(payload, (p) => {
        if (p.phase === 'unpacking') setStatus({ kind: 'busy', message: 'Unpacking in the worker…' });
        if (p.phase === 'decoding')
          setStatus({ kind: 'busy', message: `Decoding and resizing: ${p.done.toLocaleString('en-US')} / ${p.total.toLocaleString('en-US')}` });
      });
      setStatus({ kind: 'idle' });
    } catch (e) {
      setStatus({ kind: 'error', message: (e as Error).message || String(e) });
    }
  };

  const fromInput = (files: FileList | null, input: HTMLInputElement) => {
    const picked = Array.from(files ?? [], (file) => ({ file, path: file.webkitRelativePath || file.name }));
    input.value = ''; // picking the same folder again still fires a change
    void importPicked(picked);
  };

  const onDrop = (e: DragEvent<HTMLDivElement>) => {
    e.preventDefault();
    setDragging(false);
    if (busy) return;
    void droppedFiles(e.dataTransfer).then(importPicked, (err: Error) =>
      setStatus({ kind: 'error', message: `could not read the dropped files: ${err.message}` }),
    );
  };

  return (
    <Card title="Your images" subtitle="Pre-train and probe on your own images; they never leave this tab." testId="import-panel">
      <div className="form">
        <div className="button-row">
          {/* Buttons, not labels: a hidden file input is reachable by keyboard only through a real control. */}
          <button type="button" className="btn btn-small" disabled={busy} data-testid="import-folder-button" onClick={() => folderInput.current?.click()}>
            Import a folder
          </button>
          <input
            ref={(el) => {
              folderInput.current = el;
              // React has no prop for it: a directory picker in Chromium, Firefox and Safari.
              el?.setAttribute('webkitdirectory', '');
            }}
            type="file"
            multiple
            hidden
            disabled={busy}
            data-testid="import-folder-input"
            onChange={(e) => fromInput(e.target.files, e.target)}
          />
          <button type="button" className="btn btn-small" disabled={busy} data-testid="import-zip-button" onClick={() => zipInput.current?.click()}>
            Import a .zip
          </button>
          <input
            ref={zipInput}
            type="file"
            accept=".zip,application/zip"
            hidden
            disabled={busy}
            data-testid="import-zip-input"
            onChange={(e) => fromInput(e.target.files, e.target)}
          />
        </div>
        <div
          className="chart-empty"
          style={{ height: 64, borderColor: dragging ? 'var(--accent)' : undefined, color: dragging ? 'var(--accent)' : undefined }}
          data-testid="import-drop-zone"
          onDragOver={(e) => {
            e.preventDefault();
            setDragging(true);
          }}
          onDragLeave={() => setDragging(false)}
          onDrop={onDrop}
        >
          or drop a folder or a .zip here
        </div>
        <div className="field-hint">
          Layout: <code>folder/&lt;class&gt;/&lt;image&gt;</code> gives labels; a flat folder is unlabelled. PNG, JPEG, GIF, WebP, BMP; up to{' '}
          {IMPORT_LIMITS.maxImages.toLocaleString('en-US')} images, {formatBytes(IMPORT_LIMITS.maxTotalBytes)}. Each is centre-cropped and kept at 64 px.
        </div>
        <div className="field-hint" data-testid="import-progress" aria-live="polite" style={{ minHeight: '1.4em', color: busy ? 'var(--accent)' : undefined }}>
          {busy ? status.message : ''}
        </div>
        {status.kind === 'error' && (
          <div className="alert alert-error" data-testid="import-error">
            {status.message}
          </div>
        )}
        {report && <ImportReportView report={report} />}
        {report && (
          <div
            data-testid="import-kept"
            data-kept={kept?.kept ? 'yes' : 'no'}
            style={{ display: 'flex', flexDirection: 'column', alignItems: 'flex-start', gap: 6 }}
          >
            <span className="field-hint">
              {kept === null
                ? 'Keeping the images in this browser…'
                : kept.kept
                  ? `Kept in this browser (${formatBytes(kept.bytes)}): a reload keeps them.`
                  : kept.reason}
            </span>
            <button
              type="button"
              className="btn btn-small"
              disabled={busy}
              data-testid="import-forget"
              onClick={() => void onForget().catch((e: Error) => setStatus({ kind: 'error', message: e.message }))}
            >
              Delete imported images
            </button>
          </div>
        )}
      </div>
    </Card>
  );
}

function IssueList({ title, issues, testId }: { title: string; issues: ImportReport['corrupt']; testId: string }) {
  if (issues.length === 0) return null;
  return (
    <details data-testid={testId}>
      <summary className="field-hint" style={{ cursor: 'pointer' }}>
        {title} ({issues.length.toLocaleString('en-US')})
      </summary>
      <ul className="field-hint" style={{ margin: '4px 0 0', paddingLeft: 18, maxHeight: 180, overflowY: 'auto', overflowWrap: 'anywhere' }}>
        {issues.map((issue) => (
          <li key={issue.path}>
            <code>{issue.path}</code>: {issue.reason}
          </li>
        ))}
      </ul>
    </details>
  );
}

function ImportReportView({ report }: { report: ImportReport }) {
  return (
    <div data-testid="import-report" data-imported={report.imported} data-corrupt={report.corrupt.length} data-skipped={report.skipped.length}>
      <div className="subheading">Last import: {report.source}</div>
      <table className="table facts-table">
        <tbody>
          <tr>
            <th scope="row">imported</th>
            <td data-testid="import-count">{report.imported.toLocaleString('en-US')}</td>
          </tr>
          <tr>
            <th scope="row">corrupt</th>
            <td data-testid="import-corrupt-count">{report.corrupt.length.toLocaleString('en-US')}</td>
          </tr>
          <tr>
            <th scope="row">skipped</th>
            <td data-testid="import-skipped-count">{report.skipped.length.toLocaleString('en-US')}</td>
          </tr>
          <tr>
            <th scope="row">labels</th>
            <td>{report.labels === 'folder' ? `${report.classes.length} classes from sub-folders` : 'none (no class sub-folders)'}</td>
          </tr>
        </tbody>
      </table>
      {report.classes.length > 0 && (
        <ul className="chips" data-testid="import-classes" data-classes={report.classes.length} style={{ marginBottom: 8 }}>
          {report.classes.map((name, k) => (
            <li key={name} className="chip">
              {name}
              <span className="chip-count">{report.perClass[k]}</span>
            </li>
          ))}
        </ul>
      )}
      <IssueList title="Corrupt (could not be read)" issues={report.corrupt} testId="import-corrupt-list" />
      <IssueList title="Skipped" issues={report.skipped} testId="import-skipped-list" />
      {report.imported > 0 && <div className="field-hint">Choose “Imported images” as the pre-training dataset to use them.</div>}
    </div>
  );
}
