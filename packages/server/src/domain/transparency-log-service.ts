import { randomBytes } from 'node:crypto';
import { hexToBytes, parseJsonObject, isOfflineRole, LOG_ENTRIES_LEVEL, ROOT_ROLE } from '@updraft/protocol';
import {
  consistencyProof,
  encodeEntryBundle,
  encodeLogEntry,
  encodeProofHashes,
  formatCheckpointBody,
  formatNote,
  hashLeaf,
  hashesAtLevel,
  hashTileData,
  inclusionProof,
  METADATA_ENTRY_TYPE,
  noteKeyFromSeed,
  NOTE_ED25519,
  parseCheckpointBody,
  parseLogPin,
  logTrustFromPin,
  parseVerifierKey,
  verifyCosignature,
  type NoteVerifierKey,
  parseNote,
  parseSignerKey,
  parseTilePath,
  rootFromLeafHashes,
  signNoteBody,
  TILE_HEIGHT,
  TILE_WIDTH,
  tileInTree,
  type LogEntry,
  type Tile,
} from '@updraft/protocol/transparency';
import { badRequest, notFound } from './api-error.js';
import { BoundedCache } from './bounded-cache.js';
import type { LogKeyRecord, Ports, StoredMetadata } from '../persistence/persistence.js';

/**
 * The transparency log (docs/protocol.md §9): per app, an append-only RFC 6962 Merkle tree of
 * every root, targets and releases version the server stores, with a checkpoint signed by the app's
 * log key after every append. One more log, "_audit", holds the heads of the audit log.
 *
 * Appends take the caller's transaction: a metadata version and its leaf commit together, so
 * the server never serves a releases version that is not in the log (unless its database is
 * edited by hand, which is what the log makes visible).
 */

export const AUDIT_LOG_ID = '_audit';
/** Leaves per /entries answer. */
export const MAX_ENTRIES_PER_REQUEST = 256;

export function logOrigin(logId: string): string {
  return `updraft/${logId === AUDIT_LOG_ID ? 'audit' : logId}`;
}

export interface LogIdentity {
  origin: string;
  /** The C2SP verifier key to pin in root (`x-updraft-log.key`). */
  key: string;
}

/** The log's key, created on first use: Ed25519, named by the log's origin. */
export async function ensureLogKey(
  store: Ports<'transparencyLog'>,
  logId: string,
  nowMs: number,
): Promise<LogKeyRecord> {
  const existing = await store.transparencyLog.getKey(logId);
  if (existing) return existing;
  const origin = logOrigin(logId);
  const pair = noteKeyFromSeed(origin, NOTE_ED25519, randomBytes(32));
  const record: LogKeyRecord = {
    logId,
    origin,
    signerKey: pair.signerKey,
    verifierKey: pair.verifierKey,
    createdAt: new Date(nowMs).toISOString(),
  };
  if (await store.transparencyLog.insertKey(record)) return record;
  const raced = await store.transparencyLog.getKey(logId);
  if (!raced) throw new Error(`log ${logId} key vanished`);
  return raced;
}

/** Appends one entry and signs the new checkpoint, in the caller's transaction. */
export async function appendLogEntry(
  tx: Ports<'transparencyLog'>,
  logId: string,
  entry: LogEntry,
  nowMs: number,
): Promise<{ index: number; size: number }> {
  const key = await ensureLogKey(tx, logId, nowMs);
  const index = await tx.transparencyLog.size(logId);
  const data = encodeLogEntry(entry);
  const leafHash = hashLeaf(data);
  const at = new Date(nowMs).toISOString();
  await tx.transparencyLog.appendLeaf({ logId, index, leafHash, data, createdAt: at });
  const hashes = await tx.transparencyLog.leafHashes(logId, index + 1);
  const body = formatCheckpointBody({ origin: key.origin, size: index + 1, rootHash: rootFromLeafHashes(hashes) });
  await tx.transparencyLog.putCheckpoint(
    logId,
    index + 1,
    formatNote(body, [signNoteBody(body, parseSignerKey(key.signerKey))]),
    at,
  );
  return { index, size: index + 1 };
}

/**
 * Logs a stored root, targets or releases version (the offline roles); the online roles are
 * not logged (the server signs them itself). Targets is logged so a monitor knows which
 * releases keys were in force at each releases version, across rotations.
 */
export async function logMetadataVersion(
  tx: Ports<'transparencyLog'>,
  stored: StoredMetadata,
  nowMs: number,
): Promise<void> {
  if (!isOfflineRole(stored.role)) return;
  await appendLogEntry(
    tx,
    stored.appId,
    {
      type: METADATA_ENTRY_TYPE,
      appId: stored.appId,
      role: stored.role,
      version: stored.version,
      sha256: stored.sha256,
      length: stored.length,
    },
    nowMs,
  );
}

/** "name+keyId" of a stored signature line (lines were checked when stored). */
function signerOfLine(line: string): string {
  const sig = parseNote(`x\n\n${line}`).signatures[0]!;
  return `${sig.name}+${sig.keyId}`;
}

/**
 * The cosignature lines served with a checkpoint: at most one per witness (the first
 * stored), even if two posts of the same witness raced past the check in addCosignatures.
 */
export async function servedCosignatures(
  store: Ports<'transparencyLog'>,
  logId: string,
  size: number,
): Promise<string[]> {
  const seen = new Set<string>();
  return (await store.transparencyLog.cosignatures(logId, size)).filter((line) => {
    const signer = signerOfLine(line);
    if (seen.has(signer)) return false;
    seen.add(signer);
    return true;
  });
}

/** Reads of the log for the HTTP routes, and witness cosignatures. */
export class TransparencyLogService {
  /**
   * Tiles by log and path. Every tile path names fixed content (a partial tile's width is in
   * its name), so a computed tile can be kept until memory says otherwise (16 MiB here).
   */
  private readonly tiles = new BoundedCache<{ data: Uint8Array; full: boolean }>(
    16 * 1024 * 1024,
    (t) => t.data.length,
  );

  constructor(private readonly deps: { store: Ports<'trust' | 'transparencyLog'>; now: () => number }) {}

  private async requireLog(logId: string): Promise<{ size: number; note: string }> {
    const latest = await this.deps.store.transparencyLog.latestCheckpoint(logId);
    if (!latest) throw notFound('log-empty', `the transparency log of "${logId}" has no entries yet`);
    return latest;
  }

  async identity(logId: string): Promise<LogIdentity> {
    const key = await ensureLogKey(this.deps.store, logId, this.deps.now());
    return { origin: key.origin, key: key.verifierKey };
  }

  /** The latest checkpoint with the witness cosignatures collected for it. */
  async checkpoint(logId: string): Promise<string> {
    const latest = await this.requireLog(logId);
    return latest.note + (await servedCosignatures(this.deps.store, logId, latest.size)).join('');
  }

  async entries(logId: string, start: number, end: number): Promise<{ index: number; data: string }[]> {
    const { size } = await this.requireLog(logId);
    if (start >= size || end <= start) {
      throw badRequest('bad-range', `ask for entries with start < end and start below the tree size ${size}`);
    }
    const last = Math.min(end, size, start + MAX_ENTRIES_PER_REQUEST);
    const leaves = await this.deps.store.transparencyLog.leaves(logId, start, last);
    return leaves.map((l) => ({ index: l.index, data: Buffer.from(l.data).toString('base64') }));
  }

  private async treeSize(logId: string, requested: number | undefined): Promise<number> {
    const { size } = await this.requireLog(logId);
    if (requested === undefined) return size;
    if (requested < 1 || requested > size) throw badRequest('bad-size', `treeSize must be from 1 to ${size}`);
    return requested;
  }

  async inclusion(
    logId: string,
    query: { hash?: string; index?: number; treeSize?: number },
  ): Promise<{ leafIndex: number; treeSize: number; hashes: string[] }> {
    const treeSize = await this.treeSize(logId, query.treeSize);
    let index: number | null;
    if (query.hash !== undefined) {
      index = await this.deps.store.transparencyLog.findLeaf(logId, hexToBytes(query.hash), treeSize);
      if (index === null) throw notFound('not-in-log', `no entry with that leaf hash in the first ${treeSize} entries`);
    } else if (query.index !== undefined) {
      index = query.index;
      if (index >= treeSize) throw badRequest('bad-index', `index must be below the tree size ${treeSize}`);
    } else throw badRequest('bad-query', 'pass hash=<hex leaf hash> or index=<n>');
    const hashes = await this.deps.store.transparencyLog.leafHashes(logId, treeSize);
    return { leafIndex: index, treeSize, hashes: encodeProofHashes(inclusionProof(hashes, index, treeSize)) };
  }

  /** The index of the entry with this leaf hash (a device's hint, which it checks against tiles). */
  async leafIndex(logId: string, hash: string): Promise<number> {
    const { size } = await this.requireLog(logId);
    const index = await this.deps.store.transparencyLog.findLeaf(logId, hexToBytes(hash), size);
    if (index === null) throw notFound('not-in-log', 'no entry with that leaf hash in the log');
    return index;
  }

  async consistency(logId: string, from: number, to: number): Promise<{ from: number; to: number; hashes: string[] }> {
    const { size } = await this.requireLog(logId);
    if (from > to || to > size) throw badRequest('bad-range', `need from ≤ to ≤ ${size}`);
    const hashes = await this.deps.store.transparencyLog.leafHashes(logId, to);
    return { from, to, hashes: encodeProofHashes(consistencyProof(hashes, from, to)) };
  }

  /**
   * One C2SP tlog-tiles file (`<L>/<N>[.p/<W>]` or `entries/<N>[.p/<W>]`, the path after
   * `tile/`): hash tiles from the leaf hashes, entry bundles from the entries.
   */
  async tile(logId: string, path: string): Promise<{ data: Uint8Array; full: boolean }> {
    const tile = parseTilePath(path);
    if (!tile) {
      throw badRequest(
        'bad-tile',
        'a tile path is <level>/<N>[.p/<width>] or entries/<N>[.p/<width>], N in 3-digit groups (x001/234), width 1-255',
      );
    }
    const key = `${logId}\n${path}`;
    const cached = this.tiles.get(key);
    if (cached) return cached;
    const { size } = await this.requireLog(logId);
    if (!tileInTree(tile, size)) throw notFound('no-tile', `tile/${path} is beyond the log's tree size ${size}`);
    const built = await this.buildTile(logId, tile);
    this.tiles.set(key, built);
    return built;
  }

  private async buildTile(logId: string, tile: Tile): Promise<{ data: Uint8Array; full: boolean }> {
    const full = tile.width === TILE_WIDTH;
    const first = tile.index * TILE_WIDTH;
    if (tile.level === LOG_ENTRIES_LEVEL) {
      const leaves = await this.deps.store.transparencyLog.leaves(logId, first, first + tile.width);
      return { data: encodeEntryBundle(leaves.map((l) => l.data)), full };
    }
    const needed = (first + tile.width) * 2 ** (TILE_HEIGHT * tile.level);
    const hashes = await this.deps.store.transparencyLog.leafHashes(logId, needed);
    if (hashesAtLevel(hashes.length, tile.level) < first + tile.width) throw new Error(`log ${logId} lost leaves`);
    return { data: hashTileData(hashes, tile), full };
  }

  /**
   * Stores witness cosignatures sent as a cosigned copy of a checkpoint this log signed.
   * Every line must be a valid cosignature by a witness pinned in the app's current root
   * (`x-updraft-log.witnesses`) over that checkpoint; one bad line refuses the whole note and
   * nothing is stored. One line per witness and checkpoint is kept (a witness re-posting adds
   * nothing), so what the server serves is bounded by the pinned witnesses and cannot be
   * padded with lines that make a device's check fail or crowd real witnesses out.
   */
  async addCosignatures(logId: string, noteText: string): Promise<{ treeSize: number; added: number }> {
    let note;
    let body;
    try {
      note = parseNote(noteText, 'cosigned checkpoint');
      body = parseCheckpointBody(note.body);
    } catch (err) {
      throw badRequest('bad-checkpoint', (err as Error).message);
    }
    const key = await this.deps.store.transparencyLog.getKey(logId);
    if (!key) throw notFound('log-empty', `the transparency log of "${logId}" has no entries yet`);
    const ours = (await this.deps.store.transparencyLog.leafHashes(logId, body.size)).length === body.size;
    const signed = ours ? await this.signedBody(logId, body.size) : null;
    if (signed !== note.body) throw badRequest('unknown-checkpoint', 'this log never signed that checkpoint');
    const logKey = parseVerifierKey(key.verifierKey);
    const witnesses = await this.pinnedWitnesses(logId);
    const seen = new Set(
      (await this.deps.store.transparencyLog.cosignatures(logId, body.size)).map((line) => signerOfLine(line)),
    );
    const fresh: string[] = [];
    const inNote = new Set<string>();
    for (const sig of note.signatures) {
      const signer = `${sig.name}+${sig.keyId}`;
      if (sig.name === logKey.name && sig.keyId === logKey.keyId) continue; // the log's own signature
      const witness = witnesses.find((w) => w.name === sig.name && w.keyId === sig.keyId);
      if (!witness) {
        throw badRequest(
          'unknown-witness',
          `"${sig.name}" is not a witness pinned in the current root of ${logId}; pin it with updraft keys rotate --role root --witness <vkey>`,
        );
      }
      if (verifyCosignature(note.body, sig, witness) === null) {
        throw badRequest(
          'bad-cosignature',
          `the cosignature of witness "${sig.name}" does not verify over this checkpoint`,
        );
      }
      if (inNote.has(signer)) throw badRequest('duplicate-witness', `witness "${sig.name}" signs the note twice`);
      inNote.add(signer);
      if (!seen.has(signer)) fresh.push(sig.line);
    }
    if (inNote.size === 0) throw badRequest('no-cosignature', 'the note carries no witness cosignature');
    const at = new Date(this.deps.now()).toISOString();
    for (const line of fresh) await this.deps.store.transparencyLog.addCosignature(logId, body.size, line, at);
    return { treeSize: body.size, added: fresh.length };
  }

  /** The cosignature/v1 keys pinned in the app's latest root; none when root pins no log. */
  private async pinnedWitnesses(appId: string): Promise<NoteVerifierKey[]> {
    const root = await this.deps.store.trust.getLatestMetadata(appId, ROOT_ROLE);
    if (!root) return [];
    const pin = parseLogPin(parseJsonObject(root.bytes, 'root.json')['signed']);
    return pin ? logTrustFromPin(pin).witnesses : [];
  }

  private async signedBody(logId: string, size: number): Promise<string> {
    const key = await this.deps.store.transparencyLog.getKey(logId);
    const hashes = await this.deps.store.transparencyLog.leafHashes(logId, size);
    return formatCheckpointBody({ origin: key!.origin, size, rootHash: rootFromLeafHashes(hashes) });
  }
}
