/** Table shapes of the transparency log (migration 0002), kept apart from schema.ts to keep merges small. */

export interface LogKeysTable {
  log_id: string;
  origin: string;
  /** PRIVATE+KEY+… note signer key: the log's private key. */
  signer_key: string;
  verifier_key: string;
  created_at: string;
}

export interface LogLeavesTable {
  log_id: string;
  idx: number;
  leaf_hash: Uint8Array;
  data: Uint8Array;
  created_at: string;
}

export interface LogCheckpointsTable {
  log_id: string;
  tree_size: number;
  note: string;
  created_at: string;
}

export interface LogCosignaturesTable {
  log_id: string;
  tree_size: number;
  line: string;
  created_at: string;
}

export interface LogTables {
  log_keys: LogKeysTable;
  log_leaves: LogLeavesTable;
  log_checkpoints: LogCheckpointsTable;
  log_cosignatures: LogCosignaturesTable;
}
