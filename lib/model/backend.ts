/**
 * Choice of the tfjs backend. Loading is lazy (dynamic imports) so that a machine without
 * `@tensorflow/tfjs-node` (it downloads libtensorflow at install time and fails offline) still runs,
 * and so that importing lib/model does not itself start a backend.
 */
import * as tf from '@tensorflow/tfjs'
import { createRequire } from 'node:module'
import path from 'node:path'
import { BackendUnavailableError, UnknownBackendError } from './errors.ts'

export type BackendName = 'tensorflow' | 'wasm' | 'cpu'
export type BackendRequest = 'auto' | BackendName

/** The order `auto` tries: fastest first (libtensorflow native, then WebAssembly with SIMD, then plain JS). */
export const BACKEND_PREFERENCE: readonly BackendName[] = ['tensorflow', 'wasm', 'cpu']

const REQUESTS: readonly string[] = ['auto', ...BACKEND_PREFERENCE]

// tfjs-node is an optionalDependency; a variable specifier keeps TypeScript from requiring its types.
const TFJS_NODE = '@tensorflow/tfjs-node'

// One registration attempt per backend for the life of the process: setWasmPaths may only be called
// before the wasm backend first initialises, and a failed native load does not improve on retry.
const loading = new Map<BackendName, Promise<void>>()
// Calls are serialised so that concurrent requests never interleave two setBackend calls.
let queue: Promise<unknown> = Promise.resolve()

/**
 * Make `request` the backend of every later tfjs call and return the name of the one in use.
 * 'auto' takes the first of 'tensorflow', 'wasm', 'cpu' that loads. Idempotent: asking again for the
 * backend already active does no work. An explicit request that cannot be met throws
 * BackendUnavailableError (with the loader's error as `cause`) and leaves the previous backend active.
 */
export async function initBackend (request: BackendRequest = 'auto'): Promise<BackendName> {
  if (!REQUESTS.includes(request)) {
    throw new UnknownBackendError(`backend must be one of ${REQUESTS.join(', ')}; got ${JSON.stringify(request)}`)
  }
  const run = queue.then(async () => await select(request))
  queue = run.catch(() => undefined)
  return await run
}

/** The backend tfjs is using now, or undefined when none has been initialised yet. */
export function activeBackend (): string | undefined {
  const name: string | null | undefined = tf.engine().backendName
  return name ?? undefined
}

async function select (request: BackendRequest): Promise<BackendName> {
  if (request !== 'auto') {
    await load(request)
    return await activate(request)
  }
  const failures: unknown[] = []
  for (const name of BACKEND_PREFERENCE) {
    try {
      await load(name)
      return await activate(name)
    } catch (err) {
      failures.push(err)
    }
  }
  throw new BackendUnavailableError(`no tfjs backend could be initialised (tried ${BACKEND_PREFERENCE.join(', ')})`, { cause: new AggregateError(failures) })
}

async function activate (name: BackendName): Promise<BackendName> {
  // The cpu backend warns once on first use in Node that tfjs-node would be faster; that banner is
  // noise in logs and benchmark output. PROD mode only silences tfjs's warn/log (see tfjs-core log.ts).
  tf.enableProdMode()
  if (activeBackend() === name) return name
  const ok = await tf.setBackend(name)
  if (!ok) throw new BackendUnavailableError(`tfjs could not initialise the '${name}' backend`)
  await tf.ready()
  return name
}

function load (name: BackendName): Promise<void> {
  let pending = loading.get(name)
  if (pending === undefined) {
    pending = LOADERS[name]()
    loading.set(name, pending)
  }
  return pending
}

const LOADERS: Record<BackendName, () => Promise<void>> = {
  async cpu () {
    // registered by @tensorflow/tfjs itself
  },

  async wasm () {
    let setWasmPaths: (prefix: string) => void
    let distDir: string
    try {
      const mod = await import('@tensorflow/tfjs-backend-wasm')
      setWasmPaths = mod.setWasmPaths
      distDir = path.dirname(createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm'))
    } catch (err) {
      throw new BackendUnavailableError('the wasm backend needs the package @tensorflow/tfjs-backend-wasm, which failed to load', { cause: err })
    }
    // In Node the Emscripten loader reads the .wasm binaries with fs from this prefix; a plain file-system
    // path (not a file: URL) to the package's dist folder, with a trailing separator, is what it expects.
    setWasmPaths(distDir + path.sep)
  },

  async tensorflow () {
    try {
      await import(TFJS_NODE)
    } catch (err) {
      throw new BackendUnavailableError(
        `the 'tensorflow' backend needs ${TFJS_NODE}, which is not installed or failed to load; ` +
        `install it with \`npm install ${TFJS_NODE}\` on a machine with internet access (its install script downloads libtensorflow), ` +
        "or use the 'wasm' or 'cpu' backend", { cause: err })
    }
    if (tf.findBackendFactory('tensorflow') === null) {
      throw new BackendUnavailableError(`${TFJS_NODE} loaded but registered no 'tensorflow' backend with this copy of @tensorflow/tfjs (two copies of tfjs-core installed?)`)
    }
  }
}
