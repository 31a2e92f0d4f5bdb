import { mkdir, rename, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import {
  encodeLeafHint,
  leafHintPath,
  parseCheckpointBody,
  parseNote,
  splitHashTile,
  TILE_WIDTH,
  tilePath,
  tilesForSize,
} from '@updraft/protocol/transparency';
import { CliError } from './output.js';
import { get } from './trust/verified-repo.js';

/**
 * `refresh --out`: copies the app's transparency log from the server into a static export
 * (`<dir>/repo/<appId>/log/…`, C2SP tlog-tiles), because renewing releases or root appends to
 * the log and a device under `enforce` must find the new version there. Full tiles already
 * in the folder are kept (they never change); the checkpoint is written last. Devices
 * authenticate every tile against the signed checkpoint, so nothing here needs trusting.
 */

const MAX_TILE_BYTES = 256 * (2 + 65535);
const MAX_CHECKPOINT_BYTES = 64 * 1024;

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

async function writeAtomic(path: string, bytes: Uint8Array): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.tmp`;
  await writeFile(tmp, bytes);
  await rename(tmp, path);
}

/** Returns the paths written, relative to the log folder. */
export async function copyLogToFolder(server: string, appId: string, dir: string): Promise<string[]> {
  const base = `${server.replace(/\/$/, '')}/repo/${encodeURIComponent(appId)}/log`;
  const note = await get(`${base}/checkpoint`, MAX_CHECKPOINT_BYTES);
  if (!note) return []; // no log yet
  let size: number;
  try {
    size = parseCheckpointBody(parseNote(new TextDecoder().decode(note), 'checkpoint').body).size;
  } catch (err) {
    throw new CliError('untrusted-server', `the server's log checkpoint is malformed: ${(err as Error).message}`);
  }
  const folder = join(dir, 'repo', appId, 'log');
  const written: string[] = [];
  for (const tile of tilesForSize(size)) {
    const path = tilePath(tile);
    const target = join(folder, ...path.split('/'));
    if (tile.width === TILE_WIDTH && (await exists(target))) continue;
    const bytes = await get(`${base}/${path}`, MAX_TILE_BYTES);
    if (!bytes) throw new CliError('server-error', `the server has no ${path} for its log of size ${size}`);
    // The leaf-index hints of the leaves this tile brings, before the tile itself, so a tile
    // in the folder always has its hints (devices check them against the tiles).
    if (tile.level === 0) {
      const hashes = splitHashTile(bytes, tile.width);
      if (!hashes) throw new CliError('untrusted-server', `the server's ${path} is not ${tile.width} hashes`);
      for (const [i, hash] of hashes.entries()) {
        const hint = leafHintPath(hash);
        const hintTarget = join(folder, ...hint.split('/'));
        if (await exists(hintTarget)) continue;
        await writeAtomic(hintTarget, encodeLeafHint(tile.index * TILE_WIDTH + i));
        written.push(hint);
      }
    }
    await writeAtomic(target, bytes);
    written.push(path);
  }
  await writeAtomic(join(folder, 'checkpoint'), note);
  written.push('checkpoint');
  return written;
}
