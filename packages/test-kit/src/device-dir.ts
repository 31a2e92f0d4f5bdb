import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';

const dirs: string[] = [];
// At module load, so the hook belongs to the test file rather than to the first test using it.
after(async () => {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

/** A fresh device folder, removed when the test file ends. */
export async function deviceDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'updraft-client-'));
  dirs.push(dir);
  return dir;
}
