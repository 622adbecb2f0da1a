/** Index orders shared by the partitioners. */

/** Indices grouped by label (a stable counting sort) and where each label's run starts (length classes + 1). */
export function sortByLabel (labels: Uint8Array): { sorted: Uint32Array, start: Uint32Array } {
  let classes = 0
  for (let i = 0; i < labels.length; i++) if (labels[i] + 1 > classes) classes = labels[i] + 1
  const start = new Uint32Array(classes + 1)
  for (let i = 0; i < labels.length; i++) start[labels[i] + 1]++
  for (let c = 0; c < classes; c++) start[c + 1] += start[c]
  const next = start.slice(0, classes)
  const sorted = new Uint32Array(labels.length)
  for (let i = 0; i < labels.length; i++) sorted[next[labels[i]]++] = i
  return { sorted, start }
}

/** 0, 1, ..., n − 1 */
export function identity (n: number): Uint32Array {
  const out = new Uint32Array(n)
  for (let i = 0; i < n; i++) out[i] = i
  return out
}
