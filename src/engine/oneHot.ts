/**
 * One-hot rows built on the host. tfjs-backend-wasm 4.22's OneHot kernel with
 * dtype 'float32' writes the integer bit pattern of 1 (a float of 1.4e-45), so
 * a loss built on it is silently zero there; building the rows here sidesteps
 * the kernel on every backend. A label of -1 (ignored) gives a zero row.
 */
export function oneHotRows(labels: ArrayLike<number>, numClasses: number): Float32Array {
  if (!Number.isInteger(numClasses) || numClasses < 1) throw new Error(`oneHotRows: numClasses must be a positive integer, got ${numClasses}`);
  const out = new Float32Array(labels.length * numClasses);
  for (let i = 0; i < labels.length; i++) {
    const label = labels[i];
    if (label === -1) continue;
    if (!Number.isInteger(label) || label < 0 || label >= numClasses)
      throw new Error(`oneHotRows: label ${label} at ${i} is not a class in 0..${numClasses - 1} (or -1 for ignored)`);
    out[i * numClasses + label] = 1;
  }
  return out;
}
