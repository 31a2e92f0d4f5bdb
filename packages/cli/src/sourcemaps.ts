import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import type { sourcemapsApi } from '@updraft/api';
import { formatBytes, sha256Hex } from '@updraft/protocol';
import type { AdminApi } from './api-client.js';
import { CliError } from './output.js';

/** A source map kept on the server beside its release (never part of the signed targets). */
export type KeptSourcemap = Pick<sourcemapsApi.Sourcemap, 'name' | 'sha256' | 'length'>;

const MAP_NAME = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,123}\.map$/;

/** Uploads each map under its file name; the server checks the SHA-256 before keeping it. */
export async function uploadSourcemaps(
  api: AdminApi,
  appId: string,
  releaseId: string,
  files: string[],
  log: (line: string) => void,
): Promise<KeptSourcemap[]> {
  const kept: KeptSourcemap[] = [];
  for (const file of files) {
    const name = basename(file);
    if (!MAP_NAME.test(name)) {
      throw new CliError(
        'bad-input',
        `source map file names end in .map and use letters, digits, . _ - only, not "${name}"; rename it`,
      );
    }
    const bytes = await readFile(file);
    const sha256 = sha256Hex(bytes);
    log(`uploading source map ${name} (${formatBytes(bytes.length)}, kept on the server, never sent to devices)…`);
    await api.call(
      'PUT /v1/apps/:appId/releases/:releaseId/sourcemaps/:name',
      { params: { appId, releaseId, name }, query: { sha256 } },
      { raw: bytes },
    );
    kept.push({ name, sha256, length: bytes.length });
  }
  return kept;
}
