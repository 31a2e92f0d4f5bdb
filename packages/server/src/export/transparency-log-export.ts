import { LOG_ENTRIES_LEVEL, utf8Encode } from '@updraft/protocol';
import {
  allHashTiles,
  encodeEntryBundle,
  exportLogTiles,
  TILE_WIDTH,
  tilePath,
  type LogFileKind,
  type LogTileSource,
} from '@updraft/protocol/transparency';
import { servedCosignatures } from '../domain/transparency-log-service.js';
import type { Ports } from '../persistence/persistence.js';
import type { ObjectMeta } from './sinks.js';

/**
 * The app's transparency log in a static export, read from the database and written by the
 * protocol's one tile exporter (the CLI's `refresh --out` copies a served log with it too).
 */

export interface LogFileWriter {
  exists(path: string): Promise<boolean>;
  /** Writes unless the path exists (tiles never change under their name). */
  once(path: string, body: Uint8Array, meta: ObjectMeta): Promise<boolean>;
  /** Always writes. */
  always(path: string, body: Uint8Array, meta: ObjectMeta): Promise<void>;
}

/** The latest checkpoint's tree, from the database; tiles are computed once, entry bundles read when missing. */
async function databaseLogSource(store: Ports<'transparencyLog'>, appId: string): Promise<LogTileSource | null> {
  const latest = await store.transparencyLog.latestCheckpoint(appId);
  if (!latest) return null;
  const size = latest.size;
  const leafHashes = await store.transparencyLog.leafHashes(appId, size);
  if (leafHashes.length !== size)
    throw new Error(`${appId}: the log has ${leafHashes.length} leaves, its checkpoint ${size}`);
  const hashTiles = new Map(allHashTiles(leafHashes).map(({ tile, data }) => [tilePath(tile), data]));
  return {
    size,
    async tile(tile) {
      if (tile.level !== LOG_ENTRIES_LEVEL) return hashTiles.get(tilePath(tile))!;
      const first = tile.index * TILE_WIDTH;
      const leaves = await store.transparencyLog.leaves(appId, first, first + tile.width);
      return encodeEntryBundle(leaves.map((l) => l.data));
    },
    async checkpoint() {
      const cosignatures = await servedCosignatures(store, appId, size);
      return utf8Encode(latest.note + cosignatures.join(''));
    },
  };
}

export async function exportLog(deps: {
  store: Ports<'transparencyLog'>;
  appId: string;
  /** Where the log's files go, e.g. `repo/<appId>/log`. */
  base: string;
  write: LogFileWriter;
  cache: { immutable: string; changing: string };
}): Promise<number> {
  const { store, appId, base, write, cache } = deps;
  const source = await databaseLogSource(store, appId);
  if (!source) return 0;
  const meta = (kind: LogFileKind): ObjectMeta => ({
    contentType: kind.contentType,
    cacheControl: kind.immutable ? cache.immutable : cache.changing,
  });
  await exportLogTiles(source, {
    exists: (path) => write.exists(`${base}/${path}`),
    once: (path, body, kind) => write.once(`${base}/${path}`, body, meta(kind)),
    always: (path, body, kind) => write.always(`${base}/${path}`, body, meta(kind)),
  });
  return source.size;
}
