/**
 * First-fit allocation of byte ranges inside one fixed-size memory: the free ranges [start, end) are kept
 * sorted and coalesced, so releasing every block in any order gives back one range.
 */
export class FreeList {
  private readonly starts: number[]
  private readonly ends: number[]

  constructor (start: number, end: number) {
    this.starts = end > start ? [start] : []
    this.ends = end > start ? [end] : []
  }

  /** the start of a free range of `size` bytes, now taken, or −1 when none is large enough */
  take (size: number): number {
    for (let k = 0; k < this.starts.length; k++) {
      const start = this.starts[k]
      const room = this.ends[k] - start
      if (room < size) continue
      if (room === size) { this.starts.splice(k, 1); this.ends.splice(k, 1) } else this.starts[k] = start + size
      return start
    }
    return -1
  }

  /** gives back [start, start + size), merging it with free neighbours */
  release (start: number, size: number): void {
    const end = start + size
    let k = 0
    while (k < this.starts.length && this.starts[k] < start) k++
    const joinsPrev = k > 0 && this.ends[k - 1] === start
    const joinsNext = k < this.starts.length && this.starts[k] === end
    if (joinsPrev && joinsNext) {
      this.ends[k - 1] = this.ends[k]
      this.starts.splice(k, 1); this.ends.splice(k, 1)
    } else if (joinsPrev) {
      this.ends[k - 1] = end
    } else if (joinsNext) {
      this.starts[k] = start
    } else {
      this.starts.splice(k, 0, start); this.ends.splice(k, 0, end)
    }
  }

  /** the free ranges as [start, end) pairs, in order */
  ranges (): Array<[number, number]> {
    return this.starts.map((s, k) => [s, this.ends[k]])
  }
}
