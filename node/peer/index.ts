/** node/peer: the main loop of one murmur peer (`murmur peer`). */
export { runPeer } from './peer.ts'
export type { PeerInit, PeerRecord, PeerResult } from './types.ts'
export { ConfigMismatchError, DataDirInUseError, JoinFailedError, ShardMismatchError } from './errors.ts'
export { LOCK_FILE, lockDataDir } from './lock.ts'
export { ResumeFailedError, catchUpRound, cohortRound, laterCohortStart } from './resume.ts'
export { METRICS_FILE, PEER_FILE, SNAPSHOT_DIR, CHECKPOINT_DIR, PREVIOUS_DIR, archivePreviousRun, createNewFolder, readLastRecord, readPeerFile, readSnapshot, snapshotPath } from './files.ts'
