/** Defaults and bounds of node/telemetry (the per-round summaries peers publish for observers). */

/** Version of the summary format; also the last segment of the topic name. */
export const TELEMETRY_VERSION = 1
/** Largest encoded summary (bytes): a summary with the sketch and 32 links is about 6 KiB. */
export const MAX_SUMMARY_BYTES = 8192
/** the largest train loss a summary carries (a diverged peer's is null): an observer's mean over thousands stays finite */
export const MAX_TRAIN_LOSS = 1e30
/** Most neighbours a summary lists (the ones with the most traffic are kept). */
export const MAX_LINKS = 32
/** Longest peer id string accepted (as node/membership). */
export const MAX_ID_CHARS = 128
/**
 * Buckets of the consensus sketch (a power of two). The estimate of the consensus distance has a relative
 * standard deviation of at most sqrt(2 / k) (about 12.5 % at k = 128) and is unbiased; 512 bytes on the wire.
 */
export const SKETCH_SIZE = 128
/** A peer publishes a summary every this many rounds by default (the sketch rounds line up across peers). */
export const TELEMETRY_EVERY = 1
