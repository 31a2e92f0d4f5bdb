import { LOG_CHECKPOINT } from '../repository-layout.js';
import { encodeLeafHint, leafHintPath, splitHashTile, TILE_WIDTH, tilePath, tilesForSize, type Tile } from './tiles.js';

/**
 * A transparency log written out as static C2SP tlog-tiles files: every hash tile and entry
 * bundle of one tree size, the leaf-index hints of its leaves, then the checkpoint. The server's
 * static export reads them from its database and `updraft refresh --out` copies them from a
 * server over HTTP; both write through this one routine, so the files a static host serves are
 * the same whichever way they were made. Devices authenticate every file against the signed
 * checkpoint, so a source needs no trust.
 */

export interface LogTileSource {
  /** The tree size to export; 0 when there is no log yet (nothing is written). */
  size: number;
  /** A hash tile (`tile/<L>/…`) or entry bundle (`tile/entries/…`) of that tree. */
  tile(tile: Tile): Promise<Uint8Array>;
  /** The checkpoint note of that tree as served (with its cosignatures); read after the tiles. */
  checkpoint(): Promise<Uint8Array>;
}

export interface LogFileKind {
  /** Full tiles and hints never change under their name; partial tiles and the checkpoint do. */
  immutable: boolean;
  contentType: 'application/octet-stream' | 'text/plain; charset=utf-8';
}

/** Paths are relative to the log folder (`tile/0/000`, `checkpoint`, …). */
export interface LogFileWriter {
  exists(path: string): Promise<boolean>;
  /** Writes unless the path exists (tiles and hints never change under their name); true when written. */
  once(path: string, body: Uint8Array, kind: LogFileKind): Promise<boolean>;
  /** Always writes. */
  always(path: string, body: Uint8Array, kind: LogFileKind): Promise<void>;
}

const TEXT = 'text/plain; charset=utf-8';

/** Returns the paths written, relative to the log folder (empty when there is no log). */
export async function exportLogTiles(source: LogTileSource, writer: LogFileWriter): Promise<string[]> {
  if (source.size === 0) return [];
  const written: string[] = [];
  const once = async (path: string, body: Uint8Array, kind: LogFileKind) => {
    if (await writer.once(path, body, kind)) written.push(path);
  };
  for (const tile of tilesForSize(source.size)) {
    const path = tilePath(tile);
    // A tile's name says its width, so one already there is this tile (with its leaves' hints).
    if (await writer.exists(path)) continue;
    const data = await source.tile(tile);
    const kind: LogFileKind = { immutable: tile.width === TILE_WIDTH, contentType: 'application/octet-stream' };
    if (tile.level === 0) {
      // Leaf-index hints first, so a tile that is there always has its hints: a device finds
      // its entry in one fetch and checks the hint against the tiles.
      const hashes = splitHashTile(data, tile.width);
      if (!hashes) throw new RangeError(`${path} is not ${tile.width} hashes`);
      for (const [i, hash] of hashes.entries()) {
        const hint = encodeLeafHint(tile.index * TILE_WIDTH + i);
        await once(leafHintPath(hash), hint, { immutable: true, contentType: TEXT });
      }
    }
    await once(path, data, kind);
  }
  // The checkpoint last: a device that reads it finds every tile it needs already there.
  await writer.always(LOG_CHECKPOINT, await source.checkpoint(), { immutable: false, contentType: TEXT });
  written.push(LOG_CHECKPOINT);
  return written;
}
