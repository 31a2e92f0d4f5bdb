import { UpdraftError } from '../errors.js';
import { openCheckpoint, type Checkpoint, type LogTrust } from './checkpoint.js';
import { verifyConsistency, verifyInclusion } from './merkle.js';
import type { ConsistencyProofAnswer, InclusionProofAnswer } from './proofs.js';

/** The checkpoint a device or monitor keeps: the largest one it verified. */
export interface KnownTree {
  size: number;
  rootHash: Uint8Array;
}

export interface LoggedCheckInput {
  trust: LogTrust;
  /** The checkpoint note the log serves now. */
  checkpointNote: string;
  /** Leaf hash of the entry that must be in the log. */
  leafHash: Uint8Array;
  inclusion: InclusionProofAnswer;
  /** The largest checkpoint verified before, if any. */
  known: KnownTree | null;
  /** Between known and the new checkpoint (in whichever direction is smaller → larger); null when not needed. */
  consistency: ConsistencyProofAnswer | null;
}

function fail(message: string): never {
  throw new UpdraftError('transparency', message);
}

/**
 * The device check of docs/protocol.md §9: the checkpoint is signed (and cosigned) as
 * pinned, the entry is included under it, and it is consistent with the largest checkpoint
 * seen before, so a log that shows this device a different history than it showed earlier
 * (a split view) is caught. Returns the checkpoint and the tree to keep from now on.
 */
export function verifyLogged(input: LoggedCheckInput): { checkpoint: Checkpoint; keep: KnownTree } {
  const checkpoint = openCheckpoint(input.checkpointNote, input.trust);
  const { inclusion } = input;
  if (inclusion.treeSize !== checkpoint.size) {
    fail(`the inclusion proof is for tree size ${inclusion.treeSize}, the checkpoint has ${checkpoint.size}`);
  }
  if (
    !verifyInclusion(inclusion.leafIndex, inclusion.treeSize, input.leafHash, inclusion.hashes, checkpoint.rootHash)
  ) {
    fail('the inclusion proof does not lead to the checkpoint root: the release metadata is not in the log');
  }
  const known = input.known;
  if (!known) return { checkpoint, keep: { size: checkpoint.size, rootHash: checkpoint.rootHash } };
  const [small, large] = known.size <= checkpoint.size ? [known, checkpoint] : [checkpoint, known];
  if (small.size !== large.size) {
    const c = input.consistency;
    if (!c || c.from !== small.size || c.to !== large.size) {
      fail(`no consistency proof from tree size ${small.size} to ${large.size}`);
    }
  }
  const proof = small.size === large.size ? [] : input.consistency!.hashes;
  if (!verifyConsistency(small.size, large.size, proof, small.rootHash, large.rootHash)) {
    fail(
      `the log at size ${checkpoint.size} is not consistent with the checkpoint of size ${known.size} this device verified before (split view or rewritten log)`,
    );
  }
  return { checkpoint, keep: large === known ? known : { size: checkpoint.size, rootHash: checkpoint.rootHash } };
}
