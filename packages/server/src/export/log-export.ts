import { utf8Encode } from '@updraft/protocol';
import {
  allHashTiles,
  encodeEntryBundle,
  encodeLeafHint,
  leafHintPath,
  TILE_WIDTH,
  tilePath,
  type Tile,
} from '@updraft/protocol/transparency';
import { servedCosignatures } from '../services/transparency-log.js';
import type { Database } from '../store/index.js';
import type { ObjectMeta } from './sinks.js';

/**
 * The app's transparency log in a static export, as C2SP tlog-tiles: every full tile and
 * entry bundle (immutable, written once) and the partial ones of the current size, then the
 * checkpoint. Devices compute their proofs from these files and authenticate each against
 * the signed checkpoint, so the static host needs no trust and no server.
 */

export interface LogFileWriter {
  exists(path: string): Promise<boolean>;
  /** Writes unless the path exists (tiles never change under their name). */
  once(path: string, body: Uint8Array, meta: ObjectMeta): Promise<void>;
  /** Always writes. */
  always(path: string, body: Uint8Array, meta: ObjectMeta): Promise<void>;
}

export async function exportLog(deps: {
  store: Database;
  appId: string;
  /** Where the log's files go, e.g. `repo/<appId>/log`. */
  base: string;
  write: LogFileWriter;
  cache: { immutable: string; changing: string };
}): Promise<number> {
  const { store, appId, base, write, cache } = deps;
  const latest = await store.log.latestCheckpoint(appId);
  if (!latest) return 0;
  const size = latest.size;
  const leafHashes = await store.log.leafHashes(appId, size);
  if (leafHashes.length !== size)
    throw new Error(`${appId}: the log has ${leafHashes.length} leaves, its checkpoint ${size}`);
  const meta = (tile: Tile): ObjectMeta => ({
    contentType: 'application/octet-stream',
    cacheControl: tile.width === TILE_WIDTH ? cache.immutable : cache.changing,
  });
  for (const { tile, data } of allHashTiles(leafHashes)) {
    const path = `${base}/${tilePath(tile)}`;
    if (await write.exists(path)) continue; // a tile already exported, with its leaves' hints
    if (tile.level === 0) {
      // Leaf-index hints first, so a tile that is there always has its hints: a device finds
      // its entry in one fetch and checks the hint against the tiles.
      for (let i = 0; i < tile.width; i++) {
        const index = tile.index * TILE_WIDTH + i;
        await write.once(`${base}/${leafHintPath(leafHashes[index]!)}`, encodeLeafHint(index), {
          contentType: 'text/plain; charset=utf-8',
          cacheControl: cache.immutable,
        });
      }
    }
    await write.once(path, data, meta(tile));
  }
  for (let first = 0; first < size; first += TILE_WIDTH) {
    const tile: Tile = { level: 'entries', index: first / TILE_WIDTH, width: Math.min(TILE_WIDTH, size - first) };
    const path = `${base}/${tilePath(tile)}`;
    if (await write.exists(path)) continue; // skip reading entries already exported
    const leaves = await store.log.leaves(appId, first, first + tile.width);
    await write.once(path, encodeEntryBundle(leaves.map((l) => l.data)), meta(tile));
  }
  // The checkpoint last: a device that reads it finds every tile it needs already there.
  const cosignatures = await servedCosignatures(store, appId, size);
  await write.always(`${base}/checkpoint`, utf8Encode(latest.note + cosignatures.join('')), {
    contentType: 'text/plain; charset=utf-8',
    cacheControl: cache.changing,
  });
  return size;
}
