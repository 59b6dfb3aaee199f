/**
 * Byte counts as people read them. Memory (heaps, tensors, GPU buffers, imported images) is
 * binary, KiB to GiB; browser storage quotas are reported in powers of 1000, so they keep kB to GB.
 */

/** Bytes in binary units: 512 B, 1.1 MiB, 45 MiB, 37.2 GiB (three significant digits). */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes)) return '—';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let v = Math.abs(bytes);
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  if (u === 0) return `${Math.round(bytes)} B`;
  let text = v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2);
  text = text.includes('.') ? text.replace(/\.?0+$/, '') : text;
  if (text === '1024' && u < units.length - 1) return `${bytes < 0 ? '-' : ''}1 ${units[u + 1]}`;
  return `${bytes < 0 ? '-' : ''}${text} ${units[u]}`;
}

/** Bytes in B, kB, MB or GB (powers of 1000, as browsers report storage). */
export function formatStorageBytes(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 0) return '—';
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let v = bytes;
  let i = 0;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return `${i === 0 ? v : v.toFixed(v < 10 ? 1 : 0)} ${units[i]}`;
}
