/**
 * lib/model: the only folder that imports @tensorflow/*. Models are pure functions of one flat
 * Float32Array of parameters; no tf.Tensor crosses this surface and no call leaves a tensor behind.
 *
 *   await initBackend('auto')                     // 'tensorflow' if tfjs-node loads, else 'wasm', else 'cpu'
 *   const model = createModel(parseModelSpec('mlp', dataset))
 *   const x = model.init(seed)
 *   const loss = model.lossAndGradient(x, inputs, labels, batch, grad)
 *   const { loss, accuracy } = model.evaluate(x, dataset.test, { limit: 2000 })
 *
 * initBackend also puts tfjs in production mode, which silences its console warnings (among them
 * the "use tfjs-node" banner of the cpu backend).
 */
export { initBackend, activeBackend, BACKEND_PREFERENCE } from './backend.ts'
export type { BackendName, BackendRequest } from './backend.ts'
export { parseModelSpec, formatModelSpec, checkModelSpec } from './spec.ts'
export { MAX_PARAMS } from './constants.ts'
export type { ModelSpec, SoftmaxSpec, MlpSpec, CnnSpec, DatasetShape } from './spec.ts'
export { createModel } from './model.ts'
export type { Model, ModelOptions, EvaluateOptions, Evaluation } from './model.ts'
export type { ParamLayout, ParamTensor, InitRule } from './layout.ts'
export {
  BackendUnavailableError, UnknownBackendError, InvalidModelSpecError, ShapeMismatchError,
  LabelOutOfRangeError, ModelDisposedError
} from './errors.ts'
