import { randomBytes } from 'node:crypto';
import { chmod, mkdir, open, rename, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export const SQLITE_FILE = 'updraft.db';
/** The owner key the first start creates (AuthService.ensureOwnerKey), for the operator to read. */
export const ADMIN_KEY_FILE = 'admin.key';

export function adminKeyPath(dataDir: string): string {
  return join(dataDir, ADMIN_KEY_FILE);
}

/** Writes admin.key mode 0600 through a temporary file, so a reader never sees half a key. */
export async function writeAdminKey(dataDir: string, key: string): Promise<void> {
  const path = adminKeyPath(dataDir);
  const tmp = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  await writeFile(tmp, `${key}\n`, { mode: 0o600, flag: 'wx' });
  await chmod(tmp, 0o600);
  await rename(tmp, path);
}

/**
 * Makes the data folder 0700 and the files that hold secrets 0600 (the SQLite database and
 * its WAL/SHM files carry the app's online private keys; admin.key the owner key), whatever
 * modes a previous version, a restore or an image left behind. Creates an empty database
 * file 0600 when there is none, so SQLite's WAL and SHM files inherit that mode. Throws a
 * message saying what to run when a mode cannot be changed (another user owns the file):
 * serving from a folder others can read would leak the keys.
 */
export async function secureDataDir(dataDir: string, opts: { sqlite: boolean }): Promise<void> {
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  await tighten(dataDir, 0o700, 'data folder');
  const files = [ADMIN_KEY_FILE];
  if (opts.sqlite) {
    // 'a': create if missing, never truncate; the mode applies only to a new file.
    await (await open(join(dataDir, SQLITE_FILE), 'a', 0o600)).close();
    files.push(SQLITE_FILE, `${SQLITE_FILE}-wal`, `${SQLITE_FILE}-shm`);
  }
  for (const name of files) await tighten(join(dataDir, name), 0o600, 'file');
}

async function tighten(path: string, mode: number, what: string): Promise<void> {
  let current: number;
  try {
    current = (await stat(path)).mode & 0o777;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw err;
  }
  if ((current & ~mode) === 0) return;
  try {
    await chmod(path, mode);
  } catch (err) {
    const octal = (m: number) => m.toString(8).padStart(4, '0');
    throw new Error(
      `${what} ${path} has mode ${octal(current)} and could not be changed to ${octal(mode)} ` +
        `(${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); it holds secret keys, so the server will not ` +
        `start: run "chmod ${mode.toString(8)} ${path}" as its owner, or choose another --data folder`,
      { cause: err },
    );
  }
}
