// `@updraft/protocol/transparency`: the transparency log's formats (checkpoints, notes, tiles,
// proofs, log entries, DSSE provenance), listed by name.
export { base64DecodeStrict, base64Encode } from './base64.js';
export {
  HASH_SIZE,
  consistencyProof,
  emptyRoot,
  hashChildren,
  hashLeaf,
  inclusionProof,
  rootFromInclusionProof,
  rootFromLeafHashes,
  verifyConsistency,
  verifyInclusion,
} from './merkle.js';
export {
  MAX_NOTE_SIGNATURES,
  NOTE_COSIGNATURE_V1,
  NOTE_ED25519,
  cosignNoteBody,
  formatNote,
  formatVerifierKey,
  noteKeyFromSeed,
  noteKeyId,
  parseNote,
  parseSignerKey,
  parseVerifierKey,
  signNoteBody,
  signaturesBy,
  verifyCosignature,
  verifyNoteSignature,
  type Note,
  type NoteSignature,
  type NoteSignerKey,
  type NoteVerifierKey,
} from './note.js';
export {
  formatCheckpointBody,
  openCheckpoint,
  parseCheckpointBody,
  sameTree,
  type Checkpoint,
  type CheckpointBody,
  type LogTrust,
} from './checkpoint.js';
export {
  AUDIT_HEAD_ENTRY_TYPE,
  METADATA_ENTRY_TYPE,
  encodeLogEntry,
  logEntryLeafHash,
  parseLogEntry,
  type AuditHeadLogEntry,
  type LogEntry,
  type LoggedRole,
  type MetadataLogEntry,
} from './log-entry.js';
export {
  LOG_PIN_FIELD,
  TRANSPARENCY_POLICIES,
  isTransparencyPolicy,
  logTrustFromPin,
  parseLogPin,
  stricterPolicy,
  type LogPin,
  type TransparencyPolicy,
} from './log-pin.js';
export {
  encodeProofHashes,
  parseConsistencyProof,
  parseInclusionProof,
  type ConsistencyProofAnswer,
  type InclusionProofAnswer,
} from './proofs.js';
export { verifyLogged, type KnownTree, type LoggedCheckInput } from './log-check.js';
export { pae, parseDsseEnvelope, verifyDsse, type DsseEnvelope, type DsseSignature } from './dsse.js';
export {
  IN_TOTO_PAYLOAD_TYPE,
  IN_TOTO_STATEMENT_V1,
  SLSA_PROVENANCE_V1,
  UPDRAFT_BUILD_TYPE,
  provenanceStatement,
  provenanceTargetPath,
  verifyProvenance,
  type ProvenanceInput,
  parseProvenanceRef,
  type ProvenanceRef,
  type ProvenanceSource,
  type ProvenanceSummary,
} from './provenance.js';
export {
  TILE_HEIGHT,
  TILE_WIDTH,
  allHashTiles,
  decodeEntryBundle,
  encodeEntryBundle,
  encodeLeafHint,
  hashTileData,
  hashesAtLevel,
  leafHintPath,
  parseLeafHint,
  parseTilePath,
  splitHashTile,
  tileInTree,
  tilePath,
  tilesForSize,
  type Tile,
} from './tiles.js';
export { TileHashReader, type ReadTile } from './tile-proofs.js';
export { exportLogTiles, type LogFileKind, type LogFileWriter, type LogTileSource } from './tile-export.js';
