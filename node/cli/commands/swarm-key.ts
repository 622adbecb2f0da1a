import { resolve } from 'node:path'
import { getBoolean, getOptionalString, UsageError } from '../args.ts'
import type { Command } from '../command.ts'
import { CliError, checkOutFile, fsReason } from '../command.ts'

export const swarmKeyCommand: Command = {
  name: 'swarm-key',
  summary: 'create the pre-shared key of a private swarm (give every peer a copy, then run them with --swarm-key FILE)',
  details: 'The key is 32 random bytes in the libp2p pnet format (/key/swarm/psk/1.0.0/, /base16/, 64 hex digits). ' +
    'With --out the file is created with mode 0600 (peers refuse a key file that group or others can read). ' +
    'Without it the key is printed; a shell redirect creates the file with your umask\'s mode, so run chmod 600 on it. ' +
    'The fingerprint printed on stderr (also in every peer\'s log) tells whether two machines hold the same key without showing it.',
  options: [
    { name: 'out', type: 'string', placeholder: 'FILE', description: 'write the key to FILE with mode 0600 instead of printing it' },
    { name: 'force', type: 'boolean', description: 'with --out: replace an existing key file (every peer with the old key is locked out)' }
  ],
  examples: [
    'murmur swarm-key --out swarm.key',
    'murmur swarm-key > swarm.key && chmod 600 swarm.key'
  ],
  async run (args, io) {
    const { generateSwarmKey, parseSwarmKey, writeSwarmKey } = await import('../../p2p/index.ts')
    const out = getOptionalString(args, 'out')
    const force = getBoolean(args, 'force')
    if (out === undefined) {
      if (force) throw new UsageError('--force applies to --out FILE only (printing a key replaces nothing)', 'force')
      const text = generateSwarmKey()
      io.out(text.trimEnd())
      io.err(`swarm key fingerprint ${parseSwarmKey(text).fingerprint}; if you redirected it to a file, run chmod 600 on it (or use --out FILE)`)
      return 0
    }
    checkOutFile(resolve(out), '--out', 'swarm.key')
    try {
      const key = await writeSwarmKey(out, { force })
      io.err(`wrote ${out} (mode 0600), fingerprint ${key.fingerprint}; copy it to every peer and start them with --swarm-key ${out}`)
      return 0
    } catch (err) {
      const e = err as NodeJS.ErrnoException
      if (e.name === 'SwarmKeyExistsError') throw new CliError(`${e.name}: ${e.message}`)
      if (typeof e.code === 'string') throw new CliError(`cannot write --out ${out}: ${fsReason(e)}`)
      throw err
    }
  }
}
