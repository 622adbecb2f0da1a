/** Defaults of node/exchange, resolved once in the constructor. */

/** Rounds ahead of the current one whose messages are buffered: [r, r + window]. */
export const DEFAULT_WINDOW = 2
/** Completed early messages held at once, over all senders and rounds. */
export const DEFAULT_MAX_EARLY_MESSAGES = 64
/** Time to open a stream to a neighbour (dial and protocol negotiation). */
export const DEFAULT_DIAL_TIMEOUT_MS = 5_000
/** Tries to deliver one round's message to one neighbour; each failed try reopens the stream. */
export const DEFAULT_SEND_ATTEMPTS = 2
/** Inbound gossip streams per connection: one long-lived stream, plus a replacement while the old one closes. */
export const DEFAULT_MAX_INBOUND_STREAMS = 4
/** Largest sync response a pull accepts (64 Mi floats and some state) unless the caller says otherwise. */
export const DEFAULT_MAX_SYNC_BYTES = 256 * 1024 * 1024 + 1024 * 1024
/** Time a server gives itself to send one model to a puller. */
export const DEFAULT_SYNC_SERVE_TIMEOUT_MS = 60_000
/** Concurrent sync streams a server serves per connection. */
export const SYNC_MAX_INBOUND_STREAMS = 2
/** Smallest chunk the default byte budget allows for: a sender with smaller chunks spends more on headers. */
export const BUDGET_MIN_CHUNK_BYTES = 1024
