/**
 * Seeded partitions of a labelled dataset over peers. Every peer computes the same split from
 * (labels, peers, spec, seed), so no coordinator hands out shards. Each sample goes to exactly one peer;
 * each peer's indices are returned in increasing order.
 *
 * - `iid`: a seeded shuffle cut into blocks whose sizes differ by at most one.
 * - `dirichlet:α`: the label-skew benchmark of Hsu, Qi & Brown, "Measuring the effects of non-identical
 *   data distribution for federated visual classification" (2019): for each class, proportions over peers
 *   are drawn from a symmetric Dir(α) and that class's samples cut accordingly. Small α gives peers few
 *   classes, large α approaches iid. A peer left empty takes one random sample from the largest peer, so
 *   every peer holds at least one sample (documented deviation from the pure scheme, needed to train).
 * - `shards:k`: the pathological non-iid split of McMahan et al., "Communication-efficient learning of deep
 *   networks from decentralized data" (2017): samples sorted by label are cut into peers·k equal shards and
 *   each peer is dealt k shards, of distinct (majority) classes where the remaining shards allow it.
 */
import { createRng, hashSeed, shuffle } from '../random/index.ts'
import type { Rng } from '../random/index.ts'
import { InvalidDataOptionsError, InvalidPartitionSpecError, InvalidShardSpecError } from './errors.ts'
import { sampleDirichlet } from './gamma.ts'
import { identity, sortByLabel } from './order.ts'
import { shardOwners } from './shards.ts'
import { PARTITION_FORMS } from './constants.ts'
import type { ShardRef } from './types.ts'

export type PartitionSpec =
  | { kind: 'iid' }
  | { kind: 'dirichlet', alpha: number }
  | { kind: 'shards', k: number }

/** Parse `iid`, `dirichlet:<alpha>` or `shards:<k>`; InvalidPartitionSpecError names the allowed forms. */
export function parsePartitionSpec (spec: string): PartitionSpec {
  const text = String(spec).trim()
  if (text === 'iid') return { kind: 'iid' }
  const m = /^(dirichlet|shards):(.+)$/.exec(text)
  if (m !== null) {
    const value = Number(m[2])
    if (m[1] === 'dirichlet' && /^[0-9.eE+-]+$/.test(m[2]) && Number.isFinite(value) && value > 0) {
      return { kind: 'dirichlet', alpha: value }
    }
    if (m[1] === 'shards' && /^[0-9]+$/.test(m[2]) && Number.isSafeInteger(value) && value >= 1) {
      return { kind: 'shards', k: value }
    }
  }
  throw new InvalidPartitionSpecError(`expected a partition spec ${PARTITION_FORMS}, got '${text}'`)
}

/** The canonical text of a spec (`dirichlet:0.50` and `dirichlet:.5` both give `dirichlet:0.5`). */
export function formatPartitionSpec (spec: PartitionSpec): string {
  switch (spec.kind) {
    case 'iid': return 'iid'
    case 'dirichlet': return `dirichlet:${spec.alpha}`
    case 'shards': return `shards:${spec.k}`
  }
}

/** Sample indices of each peer (peers arrays, each sorted increasingly). */
export function partition (labels: Uint8Array, peers: number, spec: string, seed: number): Uint32Array[] {
  const parsed = parsePartitionSpec(spec)
  const n = labels.length
  if (!Number.isSafeInteger(peers) || peers < 1) throw new InvalidDataOptionsError(`expected an integer number of peers >= 1, got ${peers}`)
  if (peers > n) throw new InvalidDataOptionsError(`cannot split ${n} samples over ${peers} peers: every peer needs at least one sample (use at most ${n} peers, or more data)`)
  // the canonical spec is part of the seed, so 'dirichlet:.5' and 'dirichlet:0.5' give the same split
  const rng = createRng(hashSeed(seed, 'partition', formatPartitionSpec(parsed)))
  let owner: Uint32Array
  switch (parsed.kind) {
    case 'iid': owner = iidOwners(n, peers, rng); break
    case 'dirichlet': owner = dirichletOwners(labels, peers, parsed.alpha, rng); break
    case 'shards': owner = shardOwners(labels, peers, parsed.k, rng); break
  }
  return groupByOwner(owner, peers)
}

/** Peer i's own indices: the same computation every peer runs, kept for the `--shard i/n` case. */
export function shardOf (labels: Uint8Array, peers: number, spec: string, seed: number, i: number): Uint32Array {
  if (!Number.isSafeInteger(i) || i < 0 || i >= peers) throw new InvalidDataOptionsError(`expected a peer index in [0, ${peers}), got ${i}`)
  return partition(labels, peers, spec, seed)[i]
}

/** Parse `--shard i/n` (0-based: `0/16` to `15/16`). */
export function parseShard (text: string): ShardRef {
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(String(text))
  if (m !== null) {
    const index = Number(m[1])
    const count = Number(m[2])
    if (Number.isSafeInteger(count) && count >= 1 && index < count) return { index, count }
  }
  throw new InvalidShardSpecError(`expected a shard 'i/n' with integers 0 <= i < n (e.g. 3/16), got '${String(text)}'`)
}

function iidOwners (n: number, peers: number, rng: Rng): Uint32Array {
  const order = identity(n)
  shuffle(order, rng)
  const owner = new Uint32Array(n)
  for (let p = 0; p < peers; p++) {
    const end = Math.floor((p + 1) * n / peers)
    for (let j = Math.floor(p * n / peers); j < end; j++) owner[order[j]] = p
  }
  return owner
}

function dirichletOwners (labels: Uint8Array, peers: number, alpha: number, rng: Rng): Uint32Array {
  const { sorted, start } = sortByLabel(labels)
  const owner = new Uint32Array(labels.length)
  const proportions = new Float64Array(peers)
  for (let c = 0; c + 1 < start.length; c++) {
    const count = start[c + 1] - start[c]
    if (count === 0) continue
    const members = sorted.subarray(start[c], start[c + 1])
    shuffle(members, rng)
    sampleDirichlet(alpha, rng, proportions)
    // cut points round(count · cumulative proportion): the counts sum to `count` exactly
    let cumulative = 0
    let from = 0
    for (let p = 0; p < peers; p++) {
      cumulative += proportions[p]
      const to = p === peers - 1 ? count : Math.min(count, Math.round(cumulative * count))
      for (let j = from; j < to; j++) owner[members[j]] = p
      from = Math.max(from, to)
    }
  }
  fillEmptyPeers(owner, peers, rng)
  return owner
}

/** Give every empty peer one random sample of the currently largest peer (lowest index on ties). */
function fillEmptyPeers (owner: Uint32Array, peers: number, rng: Rng): void {
  const sizes = new Uint32Array(peers)
  for (let i = 0; i < owner.length; i++) sizes[owner[i]]++
  for (let empty = 0; empty < peers; empty++) {
    if (sizes[empty] > 0) continue
    let largest = 0
    for (let p = 1; p < peers; p++) if (sizes[p] > sizes[largest]) largest = p
    let pick = rng.int(sizes[largest])
    for (let i = 0; i < owner.length; i++) {
      if (owner[i] !== largest) continue
      if (pick === 0) { owner[i] = empty; break }
      pick--
    }
    sizes[largest]--
    sizes[empty]++
  }
}

function groupByOwner (owner: Uint32Array, peers: number): Uint32Array[] {
  const sizes = new Uint32Array(peers)
  for (let i = 0; i < owner.length; i++) sizes[owner[i]]++
  const parts = Array.from(sizes, (size) => new Uint32Array(size))
  const fill = new Uint32Array(peers)
  // scanning i upwards leaves every part sorted increasingly
  for (let i = 0; i < owner.length; i++) parts[owner[i]][fill[owner[i]]++] = i
  return parts
}
