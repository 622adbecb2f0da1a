/** Defaults and bounds of the topologies module, in one place. */

/**
 * Largest number of nodes a builder accepts. Edge keys u·n + v stay exact integers far beyond this; the
 * bound is there so a typo (n = 1e9) fails at once instead of exhausting memory.
 */
export const MAX_NODES = 1 << 16

/** Erdős–Rényi graphs are redrawn until connected at most this many times before giving up. */
export const ERDOS_RENYI_MAX_TRIES = 100

/**
 * Random d-regular graphs: double-edge swaps attempted per edge from the circulant start. Swap chains mix
 * in O(m log m) steps in practice (Milo et al. 2003 use ~100·m; 30·m already erases the start's structure here).
 */
export const REGULAR_SWAPS_PER_EDGE = 30

/** Random d-regular graphs: extra rounds of swaps when the result is disconnected, before giving up. */
export const REGULAR_MAX_RESTARTS = 50

/**
 * Seed of the random topologies (erdos-renyi, regular) when none is given: the CLI's default `--seed` too, so
 * `buildGraph('regular:4', 32)` is the graph `murmur graph --topology regular:4 --peers 32` prints.
 */
export const DEFAULT_TOPOLOGY_SEED = 1

/** Default mixing-weight scheme. */
export const DEFAULT_WEIGHT_SCHEME = 'metropolis'

/** Tolerance of the doubly-stochastic check (symmetry, sums, non-negativity). */
export const DOUBLY_STOCHASTIC_TOL = 1e-12

/** Target accuracy ε of the mixing-time estimate ⌈ln(1/ε) / gap⌉. */
export const DEFAULT_MIXING_EPS = 1e-3

/** Implicit QL sweeps allowed per eigenvalue before EigenConvergenceError (2–3 are typical). */
export const QL_MAX_ITERATIONS = 60

/** Largest n for which a dense n×n matrix is built (8,192² doubles = 512 MiB); beyond it use lambda2Sparse. */
export const MAX_DENSE_NODES = 8192

/**
 * Spectral gaps at or below this are reported as 0 by summarizeSpectrum/describe: the dense solver's error
 * is about n·ε·‖W‖ ≤ 8,192 · 2.2e-16 ≈ 2e-12 at most, while a ring of 8,192 still has a gap of 2e-7.
 */
export const GAP_ROUNDOFF = 1e-11

/** Lanczos (lambda2Sparse): default bound on iterations, i.e. on the Krylov basis kept (n·k doubles). */
export const LANCZOS_MAX_ITERATIONS = 400

/** Lanczos: a Ritz value is accepted when its residual bound β·|s_last| is below this. */
export const LANCZOS_TOL = 1e-10
