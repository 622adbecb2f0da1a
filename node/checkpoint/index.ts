/** Checkpoints: a self-checking file format and atomic writes with fallback to the previous good file. */
export { encodeCheckpoint, decodeCheckpoint, InvalidCheckpointError, CHECKPOINT_MAGIC, CHECKPOINT_VERSION } from './format.ts'
export { writeCheckpoint, writeFileAtomic, loadLatestCheckpoint, listCheckpoints, removeLeftovers, SUPERSEDED_DIR } from './store.ts'
export type { Checkpoint, LoadResult, SkippedCheckpoint } from './store.ts'
