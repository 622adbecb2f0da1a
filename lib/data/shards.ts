/**
 * The `shards:k` partition: the pathological non-iid split of McMahan et al., "Communication-efficient
 * learning of deep networks from decentralized data" (AISTATS 2017). Samples sorted by label are cut into
 * peers·k shards of equal size (±1) and each peer is dealt k of them, of distinct majority classes where
 * the remaining shards allow it.
 */
import { shuffle } from '../random/index.ts'
import type { Rng } from '../random/index.ts'
import { InvalidDataOptionsError } from './errors.ts'
import { identity, sortByLabel } from './order.ts'

/** Owner peer of each sample. */
export function shardOwners (labels: Uint8Array, peers: number, k: number, rng: Rng): Uint32Array {
  const n = labels.length
  const shards = peers * k
  if (shards > n) throw new InvalidDataOptionsError(`shards:${k} over ${peers} peers needs at least ${shards} samples, got ${n}`)
  const { sorted, start } = sortByLabel(labels)
  // which samples of a class land in which shard is random too, not just which peer gets a shard
  for (let c = 0; c + 1 < start.length; c++) shuffle(sorted.subarray(start[c], start[c + 1]), rng)
  const majority = shardMajorities(labels, sorted, shards)
  const dealt = dealShards(majority, peers, k, rng)
  const owner = new Uint32Array(n)
  for (let s = 0; s < shards; s++) {
    const end = Math.floor((s + 1) * n / shards)
    for (let j = Math.floor(s * n / shards); j < end; j++) owner[sorted[j]] = dealt[s]
  }
  return owner
}

/** The most frequent label of each shard (shards are contiguous runs of the label-sorted order). */
function shardMajorities (labels: Uint8Array, sorted: Uint32Array, shards: number): Uint8Array {
  const n = sorted.length
  const majority = new Uint8Array(shards)
  for (let s = 0; s < shards; s++) {
    const end = Math.floor((s + 1) * n / shards)
    let best = 0
    let bestRun = 0
    let j = Math.floor(s * n / shards)
    while (j < end) {
      const label = labels[sorted[j]]
      let run = 0
      while (j < end && labels[sorted[j]] === label) { run++; j++ }
      if (run > bestRun) { best = label; bestRun = run }
    }
    majority[s] = best
  }
  return majority
}

/**
 * Owner of each shard: k rounds, peers in a fresh random order each round, each taking the first
 * remaining shard (in a random shard order) whose majority class it does not hold yet, or the first
 * remaining shard when every remaining one repeats a class it has. The greedy deal can corner the last
 * peers with repeats, so a repair pass then swaps a repeated shard with another peer's shard whenever the
 * swap leaves both peers with one more distinct class and neither with a new repeat.
 */
function dealShards (majority: Uint8Array, peers: number, k: number, rng: Rng): Uint32Array {
  const shards = majority.length
  const order = identity(shards)
  shuffle(order, rng)
  const taken = new Uint8Array(shards)
  const held = new Uint32Array(peers * 256)
  const slots = new Uint32Array(peers * k)
  const peerOrder = identity(peers)
  let firstFree = 0
  for (let round = 0; round < k; round++) {
    shuffle(peerOrder, rng)
    for (let q = 0; q < peers; q++) {
      const p = peerOrder[q]
      while (taken[order[firstFree]] === 1) firstFree++
      let pick = -1
      for (let j = firstFree; j < shards; j++) {
        const s = order[j]
        if (taken[s] === 0 && held[p * 256 + majority[s]] === 0) { pick = s; break }
      }
      if (pick < 0) pick = order[firstFree]
      taken[pick] = 1
      held[p * 256 + majority[pick]]++
      slots[p * k + round] = pick
    }
  }
  repairRepeats(majority, peers, k, slots, held)
  const dealt = new Uint32Array(shards)
  for (let p = 0; p < peers; p++) for (let a = 0; a < k; a++) dealt[slots[p * k + a]] = p
  return dealt
}

function repairRepeats (majority: Uint8Array, peers: number, k: number, slots: Uint32Array, held: Uint32Array): void {
  for (let p = 0; p < peers; p++) {
    for (let a = 0; a < k; a++) {
      const cs = majority[slots[p * k + a]]
      if (held[p * 256 + cs] < 2) continue
      search: for (let q = 0; q < peers; q++) {
        if (q === p || held[q * 256 + cs] > 0) continue
        for (let b = 0; b < k; b++) {
          const ct = majority[slots[q * k + b]]
          if (held[p * 256 + ct] > 0) continue
          const t = slots[q * k + b]
          slots[q * k + b] = slots[p * k + a]
          slots[p * k + a] = t
          held[p * 256 + cs]--; held[p * 256 + ct]++
          held[q * 256 + ct]--; held[q * 256 + cs]++
          break search
        }
      }
    }
  }
}
