import { ErrorCode, type releasesApi } from '@updraft/api';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { mkdir } from 'node:fs/promises';
import { sha256Hex, repoPaths, repositoryBaseUrl } from '@updraft/protocol';
import { requireServer, type AdminApi } from '../api-client.js';
import { collectFiles, contentTypeOf, type LocalFile } from '../files.js';
import { CliError, colour, emit } from '../output.js';
import type { GlobalOptions } from '../run.js';
import { uploadMissing } from '../upload.js';
import { retryingFetch } from '@updraft/client/node';

/**
 * The bundle an app binary ships, registered once per (platform, runtimeVersion) so that
 * every later publish, from any machine, patches against it (issue 8: "a registered
 * embedded bundle"). Its files are uploaded as ordinary blobs; the registration is a list of
 * paths, hashes and lengths.
 */

export interface RegisterOptions extends GlobalOptions {
  app: string;
  platform: string;
  runtimeVersion: string;
  maxFileSize: string;
}

/**
 * The registered embedded bundle as local files (downloaded into a temp folder and
 * hash-checked), or [] when none is registered.
 */
export async function fetchRegisteredEmbedded(
  api: AdminApi,
  appId: string,
  platform: string,
  runtimeVersion: string,
): Promise<LocalFile[]> {
  let bundle: releasesApi.EmbeddedBundle;
  try {
    bundle = await api.call('GET /v1/apps/:appId/embedded/:platform/:runtimeVersion', {
      params: { appId, platform, runtimeVersion },
    });
  } catch (err) {
    if (err instanceof CliError && err.code === ErrorCode.embeddedNotFound) return [];
    throw err;
  }
  const folder = await mkdtemp(join(tmpdir(), 'updraft-embedded-'));
  const files: LocalFile[] = [];
  for (const f of bundle.files) {
    const url = `${repositoryBaseUrl(api.server, appId)}/${repoPaths.file(f.sha256)}`;
    const res = await retryingFetch(url);
    const bytes = new Uint8Array(await res.arrayBuffer());
    if (!res.ok || bytes.length !== f.length || sha256Hex(bytes) !== f.sha256) {
      throw new CliError(
        'embedded-unavailable',
        `the registered embedded file ${f.path} could not be fetched intact from ${url}; register the embedded bundle again`,
      );
    }
    const absolutePath = join(folder, f.path);
    await mkdir(dirname(absolutePath), { recursive: true });
    await writeFile(absolutePath, bytes);
    files.push({ path: f.path, absolutePath, sha256: f.sha256, length: f.length, contentType: contentTypeOf(f.path) });
  }
  return files;
}

export async function registerEmbeddedBundle(dir: string, opts: RegisterOptions): Promise<void> {
  const maxFileBytes = Number(opts.maxFileSize);
  if (!Number.isSafeInteger(maxFileBytes) || maxFileBytes <= 0) {
    throw new CliError('usage', '--max-file-size must be a positive number of bytes', { exitCode: 2 });
  }
  const files = await collectFiles(resolve(dir), maxFileBytes);
  const api = requireServer(opts);
  const uploaded = await uploadMissing(api, opts.app, files, !opts.json);
  const result = await api.call('PUT /v1/apps/:appId/embedded/:platform/:runtimeVersion', {
    params: { appId: opts.app, platform: opts.platform, runtimeVersion: opts.runtimeVersion },
    body: { files: files.map((f) => ({ path: f.path, sha256: f.sha256, length: f.length })) },
  });
  emit(opts, { ...result, bytesUploaded: uploaded }, () =>
    [
      `${colour.green('registered')} the embedded bundle of ${opts.app} ${opts.platform} ${opts.runtimeVersion}: ${files.length} files`,
      `publishes for ${opts.platform} ${opts.runtimeVersion} now patch against it (no --embedded needed)`,
    ].join('\n'),
  );
}

export async function listEmbedded(opts: Omit<RegisterOptions, 'maxFileSize'>): Promise<void> {
  const result = await requireServer(opts).call('GET /v1/apps/:appId/embedded/:platform/:runtimeVersion', {
    params: { appId: opts.app, platform: opts.platform, runtimeVersion: opts.runtimeVersion },
  });
  emit(opts, result, () =>
    [`registered ${result.registeredAt}`, ...result.files.map((f) => `${f.path}\t${f.length}\t${f.sha256}`)].join('\n'),
  );
}
