/**
 * lib/sim: an in-memory Exchange (SimNetwork: lockstep rounds, seeded message drops and offline peers)
 * and a driver that runs n virtual peers of lib/algorithms in one process. No disk I/O. This file is the
 * whole public surface.
 */

export { SimNetwork } from './network.ts'
export type { SimNetworkInit, Intercept } from './network.ts'
export { createSimulation, runSimulation, peerStreams } from './driver.ts'
export type {
  SimulationOptions, SimulationHooks, Evaluation, RoundMetrics, Simulation, SimulationState, SimulationResult
} from './driver.ts'
export { InvalidSimulationError, SimulationOrderError } from './errors.ts'
