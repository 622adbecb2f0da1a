/** A field of an experiment config is missing, unknown or out of range; `field` names it. */
export class InvalidExperimentConfigError extends Error {
  static override name = 'InvalidExperimentConfigError'
  readonly field: string
  constructor (field: string, message: string) {
    super(message)
    this.name = 'InvalidExperimentConfigError'
    this.field = field
  }
}
