/**
 * Permutation that sorts `keys` ascending (with a stride: the keys at
 * offset, offset + stride, … — a field of a flat record array): LSD radix sort on two 16-bit digits,
 * linear time, no comparator calls (a comparator sort of millions of ids costs seconds).
 */
export function sortedOrder(keys: Uint32Array, stride = 1, offset = 0): Uint32Array {
  const n = Math.floor((keys.length - offset + stride - 1) / stride);
  let order = new Uint32Array(n);
  let scratch = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  const counts = new Uint32Array(65537);
  for (let shift = 0; shift < 32; shift += 16) {
    counts.fill(0);
    for (let i = 0; i < n; i++) counts[((keys[order[i] * stride + offset] >>> shift) & 0xffff) + 1]++;
    for (let d = 0; d < 65536; d++) counts[d + 1] += counts[d];
    for (let i = 0; i < n; i++) {
      const index = order[i];
      scratch[counts[(keys[index * stride + offset] >>> shift) & 0xffff]++] = index;
    }
    [order, scratch] = [scratch, order];
  }
  return order;
}
