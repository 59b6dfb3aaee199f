/**
 * Bring-your-own-images, step 1: what a picked folder or a dropped zip contains.
 * Pure and tfjs-free (runs in the worker and in Node tests); nothing is decoded
 * here. It sorts the files into images to decode and files skipped with a
 * reason, and reads labels from the usual image-folder layout:
 *
 *   root/<class>/<image>   class sub-folders -> labels (class index = position in the sorted names)
 *   root/<image>           a flat folder or zip -> unlabelled
 *
 * Directories that every image shares (the picked folder's own name, or a
 * zip's single top folder) are stripped first, so `photos/cat/a.png` and
 * `cat/a.png` give the same classes. Deeper folders inside a class folder
 * belong to that class (as torchvision's ImageFolder reads them). When some
 * images sit in class folders, loose images beside those folders are skipped.
 */
import { unzipSync } from 'fflate';

/** One picked file: its path relative to the picked folder (webkitRelativePath) or inside the zip. */
export interface ImportFile {
  path: string;
  bytes: Uint8Array;
}

/** What the page sends the worker: the files of a folder pick, or one zip. */
export type ImportPayload = ImportFile[] | { zip: Uint8Array; name: string };

export interface ImportIssue {
  path: string;
  reason: string;
}

/** What an import did, shown in the import panel and returned by `floplab.importImages`. */
export interface ImportReport {
  /** The folder or zip name the images came from. */
  source: string;
  /** Images decoded, resized and kept. */
  imported: number;
  /** 'folder' when class sub-folders gave labels, 'none' for a flat import. */
  labels: 'folder' | 'none';
  /** Class names (sorted sub-folder names); empty for unlabelled imports. */
  classes: string[];
  /** Images kept per class, in `classes` order. */
  perClass: number[];
  /** Image files that could not be read (bad or mismatched bytes, truncated, decoder error, zero size). */
  corrupt: ImportIssue[];
  /** Files that are not images, hidden files, or images that cannot be used (too large, outside class folders). */
  skipped: ImportIssue[];
  /** Side, in pixels, of the square RGB copy kept of every image. */
  storedSize: number;
}

/** Limits that keep a browser tab alive; each gives an Error that names it. */
export const IMPORT_LIMITS = {
  /** Image files in one import. */
  maxImages: 20_000,
  /** Bytes of image files (after unzipping) in one import. */
  maxTotalBytes: 200 * 1024 * 1024,
  /** Bytes of a zip as picked. */
  maxZipBytes: 200 * 1024 * 1024,
} as const;

/** Extensions taken as images; the decoder then checks the bytes themselves (magic numbers). */
const IMAGE_EXTENSIONS = ['png', 'jpg', 'jpeg', 'jfif', 'gif', 'webp', 'bmp', 'dib'] as const;

/** One image to decode, with its class index (-1 when unlabelled). */
interface PlannedImage {
  path: string;
  bytes: Uint8Array;
  label: number;
}

export interface ImportPlan {
  source: string;
  labels: 'folder' | 'none';
  classes: string[];
  /** Images sorted by path, so the set does not depend on the order files arrive in. */
  images: PlannedImage[];
  skipped: ImportIssue[];
}

const MB = 1024 * 1024;
const formatMb = (bytes: number) => `${(bytes / MB).toFixed(1)} MB`;
// Code-unit order (what Array.prototype.sort does): the same in every locale, like Python's sorted().
const byCodeUnits = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** Forward slashes, no leading "./" or "/", no empty segments. */
function normalisePath(path: string): string {
  return path
    .replace(/\\/g, '/')
    .split('/')
    .filter((part) => part !== '' && part !== '.')
    .join('/');
}

/** Why a file is not an image candidate, or null when it is one (judged by its path only). */
function skipReason(path: string): string | null {
  const parts = normalisePath(path).split('/');
  if (parts.includes('__MACOSX')) return 'macOS metadata (__MACOSX), not an image';
  const name = parts[parts.length - 1] ?? '';
  if (parts.some((part) => part.startsWith('.'))) return 'hidden file, not an image';
  const dot = name.lastIndexOf('.');
  const ext = dot > 0 ? name.slice(dot + 1).toLowerCase() : '';
  if (!(IMAGE_EXTENSIONS as readonly string[]).includes(ext))
    return `not an image (extension ${ext ? `.${ext}` : 'missing'}; images are ${IMAGE_EXTENSIONS.map((e) => `.${e}`).join(' ')})`;
  return null;
}

/**
 * Unpacks a zip's image files. Non-images are listed as skipped without being
 * inflated, and the size limit is checked on the sizes the zip declares before
 * anything is inflated. A zip that cannot be read gives one Error naming it.
 */
function unpackZip(zip: Uint8Array, name: string): { files: ImportFile[]; skipped: ImportIssue[] } {
  if (zip.byteLength > IMPORT_LIMITS.maxZipBytes)
    throw new Error(`${name} is ${formatMb(zip.byteLength)}: zips up to ${formatMb(IMPORT_LIMITS.maxZipBytes)} can be imported`);
  const skipped: ImportIssue[] = [];
  let declared = 0;
  let unzipped: Record<string, Uint8Array>;
  try {
    unzipped = unzipSync(zip, {
      filter: (entry) => {
        if (entry.name.endsWith('/')) return false; // a directory entry
        const reason = skipReason(entry.name);
        if (reason) {
          skipped.push({ path: normalisePath(entry.name), reason });
          return false;
        }
        declared += entry.originalSize;
        if (declared > IMPORT_LIMITS.maxTotalBytes)
          throw new LimitError(`${name} unpacks to more than ${formatMb(IMPORT_LIMITS.maxTotalBytes)} of images (the import limit)`);
        return true;
      },
    });
  } catch (e) {
    if (e instanceof LimitError) throw new Error(e.message);
    throw new Error(`could not unzip ${name}: ${(e as Error).message || String(e)} (is it a .zip archive?)`);
  }
  const files = Object.entries(unzipped).map(([path, bytes]) => ({ path, bytes }));
  return { files, skipped };
}

class LimitError extends Error {}

/** Sorts files into images (with labels from the folder layout) and skipped files; checks the limits. */
function planImport(files: readonly ImportFile[], source: string, alreadySkipped: readonly ImportIssue[] = []): ImportPlan {
  const skipped = [...alreadySkipped];
  const candidates: { parts: string[]; bytes: Uint8Array; path: string }[] = [];
  for (const file of files) {
    const path = normalisePath(file.path);
    const reason = path === '' ? 'empty file name' : skipReason(path);
    if (reason) skipped.push({ path: path || file.path, reason });
    else candidates.push({ parts: path.split('/'), bytes: file.bytes, path });
  }
  if (candidates.length === 0) {
    const seen = files.length + alreadySkipped.length;
    throw new Error(
      `no images to import in ${source}: ${seen} file${seen === 1 ? '' : 's'}, none with an image extension (${IMAGE_EXTENSIONS.map((e) => `.${e}`).join(' ')})`,
    );
  }
  if (candidates.length > IMPORT_LIMITS.maxImages)
    throw new Error(
      `${source} has ${candidates.length.toLocaleString('en-US')} images: at most ${IMPORT_LIMITS.maxImages.toLocaleString('en-US')} can be imported at once`,
    );
  const totalBytes = candidates.reduce((sum, c) => sum + c.bytes.byteLength, 0);
  if (totalBytes > IMPORT_LIMITS.maxTotalBytes)
    throw new Error(`${source} has ${formatMb(totalBytes)} of images: at most ${formatMb(IMPORT_LIMITS.maxTotalBytes)} can be imported at once`);

  // Strip the folders every image shares (the picked folder, a zip's top folder).
  let common = 0;
  const first = candidates[0].parts;
  while (common < first.length - 1 && candidates.every((c) => c.parts.length - 1 > common && c.parts[common] === first[common])) common++;
  const relative = candidates.map((c) => ({ ...c, parts: c.parts.slice(common) }));

  const inFolders = relative.filter((c) => c.parts.length > 1);
  if (inFolders.length === 0) {
    const images = relative.map((c) => ({ path: c.path, bytes: c.bytes, label: -1 })).sort((a, b) => byCodeUnits(a.path, b.path));
    return { source, labels: 'none', classes: [], images, skipped };
  }
  const classes = [...new Set(inFolders.map((c) => c.parts[0]))].sort(byCodeUnits);
  const classIndex = new Map(classes.map((name, k) => [name, k]));
  for (const c of relative)
    if (c.parts.length === 1) skipped.push({ path: c.path, reason: 'outside the class folders (images beside class sub-folders have no label)' });
  const images = inFolders.map((c) => ({ path: c.path, bytes: c.bytes, label: classIndex.get(c.parts[0])! })).sort((a, b) => byCodeUnits(a.path, b.path));
  return { source, labels: 'folder', classes, images, skipped };
}

/** The import's name for messages: the zip's name, or the picked folder's (first path segment). */
function payloadSource(payload: ImportPayload): string {
  if (!Array.isArray(payload)) return payload.name || 'the zip';
  const firstPath = payload.length > 0 ? normalisePath(payload[0].path) : '';
  return firstPath.includes('/') ? firstPath.split('/')[0] : 'the picked files';
}

/** A zip or a file list, checked and sorted: the one entry point of the parsing step. */
export function planPayload(payload: ImportPayload): ImportPlan {
  const source = payloadSource(payload);
  if (Array.isArray(payload)) {
    if (payload.length === 0) throw new Error('no files to import: the folder or selection is empty');
    payload.forEach((file, i) => {
      if (typeof file?.path !== 'string') throw new Error(`importImages: files[${i}].path must be a string, got ${typeof file?.path}`);
      if (!(file.bytes instanceof Uint8Array)) throw new Error(`importImages: files[${i}].bytes (${file.path}) must be a Uint8Array, got ${typeof file.bytes}`);
    });
    return planImport(payload, source);
  }
  if (!(payload.zip instanceof Uint8Array)) throw new Error(`importImages: zip must be a Uint8Array of the .zip bytes, got ${typeof payload.zip}`);
  const { files, skipped } = unpackZip(payload.zip, source);
  return planImport(files, source, skipped);
}

/** The buffers to transfer (not copy) to the worker with Comlink.transfer; each listed once, as postMessage requires. */
export function transferablesOf(payload: ImportPayload): ArrayBuffer[] {
  const views = Array.isArray(payload) ? payload.map((f) => f.bytes) : [payload.zip];
  return [...new Set(views.map((v) => v.buffer))].filter((b): b is ArrayBuffer => b instanceof ArrayBuffer);
}
