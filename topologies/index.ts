/**
 * topologies: graphs, mixing weights and spectra, pure and deterministic from (n or member ids, spec, seed).
 * This file is the module's whole public surface.
 */

export type { Graph } from './graphs.ts'
export { degrees, edgeCount, hasEdge, isConnected, maxDegree, validateGraph } from './graphs.ts'
export { complete, exponential, hypercube, incompleteHypercube, ring, squarestFactors, star, torus } from './builders.ts'
export { erdosRenyi, randomRegular } from './random-graphs.ts'
export { fromEdgeList } from './edge-list.ts'
export type { BuildGraphOptions, MemberGraph, TopologyKind, TopologySpec } from './spec.ts'
export { NAMED_TOPOLOGY_FORMS, TOPOLOGY_FORMS, areMemberNeighbours, buildGraph, buildLiveGraph, buildMemberGraph, formatTopologySpec, memberNeighbours, parseTopologySpec } from './spec.ts'

export type { SymmetricMatrix, WeightMatrix, WeightScheme } from './weights.ts'
export { WEIGHT_SCHEMES, checkDoublyStochastic, edgeWeight, localRow, mixingMatrix, needsMaxDegree, parseWeightScheme, selfWeight } from './weights.ts'

export type { EigenDecomposition } from './eigen.ts'
export { eigenDecomposition, eigenvalues } from './eigen.ts'
export type { SpectrumSummary, TopologySummary } from './spectra.ts'
export type { SparseSpectrum, SparseSpectrumOptions } from './lanczos.ts'
export { lambda2Sparse } from './lanczos.ts'
export { describe, describeSparse, lambda2, lambda2FromEigenvalues, mixingTime, normIminusW, normIminusWFromEigenvalues, spectralGap, summarizeSpectrum } from './spectra.ts'

export {
  EigenConvergenceError, InvalidEdgeListError, InvalidGraphError, InvalidMatrixError, InvalidTopologyError,
  InvalidWeightSchemeError, InvalidWeightsError, TopologyConstructionError
} from './errors.ts'
export { DEFAULT_MIXING_EPS, DEFAULT_TOPOLOGY_SEED, DEFAULT_WEIGHT_SCHEME, MAX_DENSE_NODES, MAX_NODES } from './constants.ts'
