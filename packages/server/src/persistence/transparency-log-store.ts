/** The transparency log's storage, reached as `Database.log` so it joins the store's transactions. */

export interface LogKeyRecord {
  logId: string;
  origin: string;
  signerKey: string;
  verifierKey: string;
  createdAt: string;
}

export interface LogLeafRecord {
  logId: string;
  index: number;
  leafHash: Uint8Array;
  data: Uint8Array;
  createdAt: string;
}

export interface TransparencyLogStore {
  getKey(logId: string): Promise<LogKeyRecord | null>;
  /** Returns false (and changes nothing) when the log already has a key. */
  insertKey(key: LogKeyRecord): Promise<boolean>;
  size(logId: string): Promise<number>;
  /** Throws StoreConflictError when that index is taken (another writer appended first). */
  appendLeaf(leaf: LogLeafRecord): Promise<void>;
  /** Leaf hashes 0..size-1 in order. */
  leafHashes(logId: string, size: number): Promise<Uint8Array[]>;
  leaves(logId: string, start: number, end: number): Promise<LogLeafRecord[]>;
  /** The lowest index holding this leaf hash, below `size`. */
  findLeaf(logId: string, leafHash: Uint8Array, size: number): Promise<number | null>;
  putCheckpoint(logId: string, size: number, note: string, at: string): Promise<void>;
  latestCheckpoint(logId: string): Promise<{ size: number; note: string } | null>;
  addCosignature(logId: string, size: number, line: string, at: string): Promise<void>;
  cosignatures(logId: string, size: number): Promise<string[]>;
}
