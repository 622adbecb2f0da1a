/**
 * The AEAD cost of a Noise transport frame under murmur's two Noise cryptos, in CPU time (process.cpuUsage, less
 * sensitive to other processes on a shared machine than wall time): seal and open `--mb` MB in frames of 65,519
 * plaintext bytes (Noise's largest) through `aesGcmNoiseCrypto` (/murmur/noise-aesgcm/1.0.0) and `fastNoiseCrypto`
 * (/noise, ChaCha20-Poly1305), the two alternating round by round; each round's figure is a ratio to the other
 * crypto's in the same round.
 *
 *   node scripts/bench/goodput-cipher.ts [--mb 200] [--rounds 7]
 */
import { getNumber } from '../../node/cli/args.ts'
import { parseScriptArgs, runScript } from '../lib/script-args.ts'
import type { ScriptSpec } from '../lib/script-args.ts'
import type { ICryptoInterface } from '@chainsafe/libp2p-noise'
import { aesGcmNoiseCrypto, fastNoiseCrypto } from '../../node/p2p/index.ts'
import { createRng } from '../../lib/random/index.ts'

const FRAME = 65_519

function cpuMs (): number {
  const u = process.cpuUsage()
  return (u.user + u.system) / 1000
}

/** CPU ms to seal then open `frames` frames of `plaintext` with consecutive nonces. */
function cost (crypto: ICryptoInterface, plaintext: Uint8Array, key: Uint8Array, frames: number): { seal: number, open: number } {
  const nonce = new Uint8Array(12)
  const view = new DataView(nonce.buffer)
  const ad = new Uint8Array(0)
  const sealed: Uint8Array[] = new Array(frames)
  let t = cpuMs()
  for (let i = 0; i < frames; i++) {
    view.setUint32(4, i, true)
    sealed[i] = crypto.chaCha20Poly1305Encrypt(plaintext, nonce, ad, key) as Uint8Array
  }
  const seal = cpuMs() - t
  t = cpuMs()
  for (let i = 0; i < frames; i++) {
    view.setUint32(4, i, true)
    crypto.chaCha20Poly1305Decrypt(sealed[i], nonce, ad, key)
  }
  return { seal, open: cpuMs() - t }
}

function median (xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b)
  return s.length % 2 === 1 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2
}

export const GOODPUT_CIPHER_SPEC: ScriptSpec = {
  name: 'goodput-cipher',
  run: 'node scripts/bench/goodput-cipher.ts',
  summary: 'The AEAD cost of a Noise transport frame under murmur\'s two Noise cryptos (AES-256-GCM and ChaCha20-Poly1305), in CPU time',
  details: `Seals and opens --mb MB in frames of ${FRAME.toLocaleString('en-US')} plaintext bytes (Noise's largest) with each crypto, the two ` +
    'alternating round by round; each round\'s figure is a ratio to the other crypto\'s in the same round. About a second a round at 200 MB.',
  options: [
    { name: 'mb', type: 'number', min: 0, exclusiveMin: true, default: 200, placeholder: 'MB', description: 'megabytes sealed and opened a round by each crypto' },
    { name: 'rounds', type: 'int', min: 1, default: 7, description: 'rounds; the median ratio is reported with its range' }
  ],
  examples: ['node scripts/bench/goodput-cipher.ts --mb 200 --rounds 7'],
  exitCodes: '0 after the figures are printed, 2 for a bad option.'
}

export function parseCipherCli (argv: readonly string[]): { mb: number, rounds: number } | { help: true } {
  const args = parseScriptArgs(GOODPUT_CIPHER_SPEC, argv)
  if (args.help) return { help: true }
  return { mb: getNumber(args, 'mb'), rounds: getNumber(args, 'rounds') }
}

async function main ({ mb, rounds }: { mb: number, rounds: number }): Promise<undefined> {
  const rng = createRng(1)
  const plaintext = new Uint8Array(FRAME)
  for (let i = 0; i < FRAME; i++) plaintext[i] = Math.floor(rng.next() * 256)
  const key = new Uint8Array(32)
  for (let i = 0; i < 32; i++) key[i] = Math.floor(rng.next() * 256)
  const frames = Math.ceil(mb * 1e6 / FRAME)
  cost(aesGcmNoiseCrypto, plaintext, key, 50)
  cost(fastNoiseCrypto, plaintext, key, 50)
  const ratios = { seal: [] as number[], open: [] as number[] }
  const gbps = { aes: [] as number[], chacha: [] as number[] }
  for (let r = 0; r < rounds; r++) {
    const aes = cost(aesGcmNoiseCrypto, plaintext, key, frames)
    const chacha = cost(fastNoiseCrypto, plaintext, key, frames)
    ratios.seal.push(chacha.seal / aes.seal)
    ratios.open.push(chacha.open / aes.open)
    gbps.aes.push(2 * frames * FRAME / 1e6 / (aes.seal + aes.open))
    gbps.chacha.push(2 * frames * FRAME / 1e6 / (chacha.seal + chacha.open))
  }
  console.log(`Noise transport frames of ${FRAME} bytes, ${frames} sealed and opened a round, ${rounds} rounds alternating, CPU time`)
  console.log(`AES-256-GCM (noise-aesgcm): ${median(gbps.aes).toFixed(2)} GB/s of CPU (seal + open), ChaCha20-Poly1305 (noise): ${median(gbps.chacha).toFixed(2)} GB/s`)
  console.log(`ChaCha20-Poly1305 CPU / AES-256-GCM CPU: seal ${median(ratios.seal).toFixed(2)} (${Math.min(...ratios.seal).toFixed(2)}-${Math.max(...ratios.seal).toFixed(2)}), open ${median(ratios.open).toFixed(2)} (${Math.min(...ratios.open).toFixed(2)}-${Math.max(...ratios.open).toFixed(2)}); above 1: AES-GCM cheaper`)
  return undefined
}

if (import.meta.main) await runScript(GOODPUT_CIPHER_SPEC, process.argv.slice(2), parseCipherCli, main)
