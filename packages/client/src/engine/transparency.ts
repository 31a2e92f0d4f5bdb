import {
  parseJsonObject,
  RELEASES_ROLE,
  repoPaths,
  roleFileName,
  sha256Hex,
  utf8Decode,
  utf8Encode,
  UpdraftError,
} from '@updraft/protocol';
import {
  base64DecodeStrict,
  base64Encode,
  leafHintPath,
  logEntryLeafHash,
  logTrustFromPin,
  METADATA_ENTRY_TYPE,
  openCheckpoint,
  parseLeafHint,
  parseLogPin,
  stricterPolicy,
  TileHashReader,
  verifyLogged,
  type ConsistencyProofAnswer,
  type KnownTree,
  type TransparencyPolicy,
} from '@updraft/protocol/transparency';
import type { Storage } from '../ports/ports.js';
import type { TrustedSet } from './refresh.js';
import type { Repository } from './repository.js';

/**
 * The device's transparency check (docs/protocol.md §9.4), run before a release is
 * downloaded: the releases metadata that names it must be in the app's log, under a
 * checkpoint signed by the log key pinned in root (and cosigned by enough pinned witnesses),
 * consistent with the largest checkpoint this device verified before.
 */

/** The largest verified checkpoint: `{size, rootHash (base64)}`. */
export const KNOWN_CHECKPOINT_PATH = 'log/checkpoint.json';
const MAX_CHECKPOINT_BYTES = 64 * 1024;
/** A full hash tile: 256 hashes of 32 bytes. */
const MAX_TILE_BYTES = 256 * 32;
/**
 * Without a usable leaf-index hint, how far back from the newest entry the releases version
 * is looked for, in tiles of 256 entries: it is the newest releases version the device was
 * sent, so it is among the last few entries unless the app published a thousand times
 * between two requests (hosts that serve the hints have no such limit).
 */
const MAX_LEAF_SCAN_TILES = 4;
const MAX_LEAF_HINT_BYTES = 16;

export interface TransparencyCheckContext {
  repo: Repository;
  storage: Storage;
  appId: string;
  set: TrustedSet;
  /** From the app's config; the stricter of it and root's pinned policy applies. */
  policy: TransparencyPolicy;
  /** Under `warn`, failures are reported here and the update goes on. */
  report: (err: UpdraftError) => void;
}

export async function checkReleasesLogged(ctx: TransparencyCheckContext): Promise<void> {
  const rawRoot = parseJsonObject(ctx.set.root.bytes, 'root.json');
  const pin = parseLogPin(rawRoot['signed']);
  const policy = stricterPolicy(ctx.policy, pin?.policy ?? 'off');
  if (policy === 'off') return;
  try {
    if (!pin) {
      throw new UpdraftError('transparency', 'transparency is required but root pins no log key (x-updraft-log)');
    }
    await verifyReleasesInLog(ctx, logTrustFromPin(pin));
  } catch (err) {
    const error =
      err instanceof UpdraftError && (err.reason === 'transparency' || err.reason === 'malformed')
        ? new UpdraftError('transparency', err.message, { cause: err })
        : err;
    if (policy === 'warn' && error instanceof UpdraftError) {
      ctx.report(error);
      return;
    }
    throw error;
  }
}

async function verifyReleasesInLog(
  ctx: TransparencyCheckContext,
  trust: ReturnType<typeof logTrustFromPin>,
): Promise<void> {
  const releases = ctx.set.releases;
  const meta = ctx.set.snapshot.signed.meta[roleFileName(RELEASES_ROLE)];
  const sha256 = meta?.hashes?.['sha256'] ?? sha256Hex(releases.bytes);
  const leafHash = logEntryLeafHash({
    type: METADATA_ENTRY_TYPE,
    appId: ctx.appId,
    role: RELEASES_ROLE,
    version: releases.signed.version,
    sha256,
    length: meta?.length ?? releases.bytes.length,
  });

  const note = utf8Decode(await ctx.repo.fetch(repoPaths.checkpoint(), MAX_CHECKPOINT_BYTES));
  const served = openCheckpoint(note, trust);
  // Proofs are computed here from the log's tiles (C2SP tlog-tiles), which a static host
  // serves as plain files; each tile is authenticated against the signed root before use.
  const readTile = (path: string) => ctx.repo.fetchOptional(repoPaths.log(path), MAX_TILE_BYTES);
  const tree = new TileHashReader(served.size, served.rootHash, readTile);
  // One fetch finds the entry however long the log is; the hint is checked against the tiles.
  const hint = parseLeafHint(await ctx.repo.fetchOptional(repoPaths.log(leafHintPath(leafHash)), MAX_LEAF_HINT_BYTES));
  const leafIndex = await tree.locateLeaf(leafHash, hint, MAX_LEAF_SCAN_TILES);
  if (leafIndex === null) {
    throw new UpdraftError(
      'transparency',
      `releases metadata version ${releases.signed.version} is not in the transparency log: refusing a release its owner may never have seen`,
    );
  }
  const inclusion = { leafIndex, treeSize: served.size, hashes: await tree.inclusionProof(leafIndex) };
  const known = await loadKnown(ctx.storage);
  let consistency: ConsistencyProofAnswer | null = null;
  if (known && known.size !== served.size) {
    // The proof comes from the larger tree's tiles, authenticated against that tree's root.
    const larger = known.size < served.size ? tree : new TileHashReader(known.size, known.rootHash, readTile);
    const from = Math.min(known.size, served.size);
    consistency = { from, to: larger.size, hashes: await larger.consistencyProof(from) };
  }
  const { keep } = verifyLogged({ trust, checkpointNote: note, leafHash, inclusion, known, consistency });
  if (!known || keep.size > known.size) await saveKnown(ctx.storage, keep);
}

async function loadKnown(storage: Storage): Promise<KnownTree | null> {
  const bytes = await storage.readFile(KNOWN_CHECKPOINT_PATH);
  if (!bytes) return null;
  try {
    const obj = parseJsonObject(bytes, 'known checkpoint') as { size?: unknown; rootHash?: unknown };
    if (!Number.isSafeInteger(obj.size) || (obj.size as number) < 1 || typeof obj.rootHash !== 'string') return null;
    const rootHash = base64DecodeStrict(obj.rootHash);
    return rootHash.length === 32 ? { size: obj.size as number, rootHash } : null;
  } catch {
    // A damaged copy: the device starts over from the next checkpoint it verifies.
    return null;
  }
}

async function saveKnown(storage: Storage, tree: KnownTree): Promise<void> {
  await storage.mkdirp('log');
  await storage.writeFileAtomic(
    KNOWN_CHECKPOINT_PATH,
    utf8Encode(JSON.stringify({ size: tree.size, rootHash: base64Encode(tree.rootHash) })),
  );
}
