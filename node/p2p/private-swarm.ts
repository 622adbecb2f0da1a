/**
 * The connection protector of a private swarm: @libp2p/pnet (XSalsa20 keyed by the swarm key, applied to every
 * byte before Noise), with every write it encrypts bounded to PNET_MAX_WRITE_BYTES.
 *
 * Why the bound: @libp2p/pnet 3.0 encrypts with the `xsalsa20` package 1.2, whose WebAssembly instances share
 * one memory of initially 640 KiB (at most 64 MiB). An update larger than that grows the memory, which detaches
 * the views every other cipher instance holds; each of those then grows the memory again on its next update,
 * by its own length, until growth fails (RangeError: Maximum memory size exceeded) and the connection is reset.
 * Measured here: one 1 MiB update and then 492 alternating 100-byte updates of two instances, or a 64 MiB
 * transfer in 1 MiB writes (reset after 45 MiB). pnet hands its cipher whatever the write buffer holds, so a
 * peer sending a model while its socket is busy makes such updates. Reads come from the socket in chunks of at
 * most 64 KiB; bounding writes too keeps every update below 640 KiB, so the memory never grows.
 */
import { preSharedKey } from '@libp2p/pnet'
import type { ConnectionProtector } from '@libp2p/interface'
import { PNET_MAX_WRITE_BYTES } from './constants.ts'
import type { SwarmKey } from './swarm-key.ts'

/** libp2p's `connectionProtector` for a swarm key. */
export function privateSwarm (key: SwarmKey): () => ConnectionProtector {
  const factory = preSharedKey({ psk: key.psk })
  return () => {
    const inner = factory()
    return {
      async protect (connection, options) {
        const boxed = await inner.protect(connection, options)
        // an AbstractMessageStream field (not on the MultiaddrConnection interface): the largest sendData chunk
        ;(boxed as { maxMessageSize?: number }).maxMessageSize = PNET_MAX_WRITE_BYTES
        return boxed
      }
    }
  }
}
