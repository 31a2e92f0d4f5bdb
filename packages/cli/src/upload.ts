import { readFile } from 'node:fs/promises';
import type { AdminApi } from './api-client.js';
import type { LocalFile } from './files.js';
import { progressBar } from './progress.js';

/** Uploads the files the app does not hold yet (by hash), with a progress bar on a TTY; returns the bytes sent. */
export async function uploadMissing(
  api: AdminApi,
  appId: string,
  files: LocalFile[],
  showProgress: boolean,
): Promise<number> {
  const hashes = [...new Set(files.map((f) => f.sha256))];
  const { missing } = await api.call(
    'POST /v1/apps/:appId/blobs/missing',
    { params: { appId }, body: { sha256: hashes } },
    { idempotent: true },
  );
  const toUpload = files.filter(
    (f, i, all) => missing.includes(f.sha256) && all.findIndex((g) => g.sha256 === f.sha256) === i,
  );
  const total = toUpload.reduce((n, f) => n + f.length, 0);
  const bar = progressBar('uploading', total, showProgress);
  for (const f of toUpload) {
    const bytes = await readFile(f.absolutePath);
    await api.call('PUT /v1/apps/:appId/blobs/:sha256', { params: { appId, sha256: f.sha256 } }, { raw: bytes });
    bar.tick(f.length);
  }
  bar.done();
  return total;
}
