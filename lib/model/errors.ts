/** Errors of lib/model. Tests and callers match on `name`, never on message text. */

/** A backend was asked for explicitly but cannot be loaded or initialised on this machine. */
export class BackendUnavailableError extends Error {
  static override name = 'BackendUnavailableError'
  constructor (message = 'Backend unavailable', options?: ErrorOptions) {
    super(message, options)
    this.name = 'BackendUnavailableError'
  }
}

/** The backend name is none of 'auto', 'tensorflow', 'wasm', 'cpu'. */
export class UnknownBackendError extends Error {
  static override name = 'UnknownBackendError'
  constructor (message = 'Unknown backend') {
    super(message)
    this.name = 'UnknownBackendError'
  }
}

/** A model spec string or object that does not describe a model this module can build. */
export class InvalidModelSpecError extends Error {
  static override name = 'InvalidModelSpecError'
  constructor (message = 'Invalid model spec') {
    super(message)
    this.name = 'InvalidModelSpecError'
  }
}

/** A parameter vector, gradient buffer, input batch or label array whose length does not fit the model. */
export class ShapeMismatchError extends Error {
  static override name = 'ShapeMismatchError'
  constructor (message = 'Shape mismatch') {
    super(message)
    this.name = 'ShapeMismatchError'
  }
}

/** A class label outside [0, classes). */
export class LabelOutOfRangeError extends Error {
  static override name = 'LabelOutOfRangeError'
  constructor (message = 'Label out of range') {
    super(message)
    this.name = 'LabelOutOfRangeError'
  }
}

/** A method was called on a model after `dispose()`. */
export class ModelDisposedError extends Error {
  static override name = 'ModelDisposedError'
  constructor (message = 'Model was disposed') {
    super(message)
    this.name = 'ModelDisposedError'
  }
}
