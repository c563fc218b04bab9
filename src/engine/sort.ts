/**
 * Permutation that sorts `keys` ascending (with a stride: the keys at
 * offset, offset + stride, … — a field of a flat record array): LSD radix sort on two 16-bit digits,
 * linear time, no comparator calls (a comparator sort of millions of ids costs seconds). Stable.
 * One sequential pass counts both digits and notices keys already in order (then no sort at all);
 * the first scatter reads the keys in order, and a digit every key shares is skipped.
 */
export function sortedOrder(keys: Uint32Array, stride = 1, offset = 0): Uint32Array {
  const n = Math.floor((keys.length - offset + stride - 1) / stride);
  const order = new Uint32Array(n);
  const low = new Uint32Array(65537);
  const high = new Uint32Array(65537);
  let ascending = true;
  let previous = 0;
  for (let i = 0, k = offset; i < n; i++, k += stride) {
    const key = keys[k];
    if (key < previous) ascending = false;
    previous = key;
    low[(key & 0xffff) + 1]++;
    high[(key >>> 16) + 1]++;
  }
  if (ascending) {
    for (let i = 0; i < n; i++) order[i] = i;
    return order;
  }
  const lowShared = low.includes(n);
  const highShared = high.includes(n);
  for (let d = 0; d < 65536; d++) {
    low[d + 1] += low[d];
    high[d + 1] += high[d];
  }
  if (lowShared) {
    for (let i = 0; i < n; i++) order[i] = i;
  } else {
    for (let i = 0, k = offset; i < n; i++, k += stride) order[low[keys[k] & 0xffff]++] = i;
  }
  if (highShared) return order;
  const sorted = new Uint32Array(n);
  for (let j = 0; j < n; j++) {
    const index = order[j];
    sorted[high[keys[index * stride + offset] >>> 16]++] = index;
  }
  return sorted;
}
