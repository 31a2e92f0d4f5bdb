import { mkdir, rename, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { LOG_FOLDER, repoPaths, repositoryBaseUrl, repositoryPath } from '@updraft/protocol';
import { exportLogTiles, parseCheckpointBody, parseNote, tilePath, type Tile } from '@updraft/protocol/transparency';
import { CliError } from './output.js';
import { get } from './trust/verified-repo.js';

/**
 * `refresh --out`: copies the app's transparency log from the server into a static export
 * (`<dir>/repo/<appId>/log/…`), with the same tile exporter as the server's static export,
 * because renewing releases or root appends to the log and a device under `enforce` must find
 * the new version there. Devices authenticate every tile against the signed checkpoint, so
 * nothing here needs trusting.
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
  const base = repositoryBaseUrl(server, appId);
  const note = await get(`${base}/${repoPaths.checkpoint()}`, MAX_CHECKPOINT_BYTES);
  if (!note) return []; // no log yet
  let size: number;
  try {
    size = parseCheckpointBody(parseNote(new TextDecoder().decode(note), 'checkpoint').body).size;
  } catch (err) {
    throw new CliError('untrusted-server', `the server's log checkpoint is malformed: ${(err as Error).message}`);
  }
  const folder = join(dir, ...repositoryPath(appId).split('/'), LOG_FOLDER);
  const local = (path: string) => join(folder, ...path.split('/'));
  const source = {
    size,
    async tile(tile: Tile) {
      const path = tilePath(tile);
      const bytes = await get(`${base}/${repoPaths.log(path)}`, MAX_TILE_BYTES);
      if (!bytes) throw new CliError('server-error', `the server has no ${path} for its log of size ${size}`);
      return bytes;
    },
    checkpoint: () => Promise.resolve(note),
  };
  try {
    return await exportLogTiles(source, {
      exists: (path) => exists(local(path)),
      once: async (path, body) => {
        if (await exists(local(path))) return false;
        await writeAtomic(local(path), body);
        return true;
      },
      always: (path, body) => writeAtomic(local(path), body),
    });
  } catch (err) {
    if (err instanceof RangeError)
      throw new CliError('untrusted-server', `the server's log is malformed: ${err.message}`);
    throw err;
  }
}
