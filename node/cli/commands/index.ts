import type { Command } from '../command.ts'
import { clusterCommand } from './cluster.ts'
import { graphCommand } from './graph.ts'
import { initCommand } from './init.ts'
import { peerCommand } from './peer.ts'
import { reportCommand } from './report.ts'
import { simCommand } from './sim.ts'
import { swarmKeyCommand } from './swarm-key.ts'
import { watchCommand } from './watch.ts'

/** Every subcommand, in the order `murmur --help` lists them. */
export const commands: readonly Command[] = [initCommand, graphCommand, simCommand, peerCommand, clusterCommand, reportCommand, swarmKeyCommand, watchCommand]
