import { ErrorCode, type ServedEnvelope } from '@updraft/api';
import type { PublisherServer } from '@updraft/signing';
import { parseJsonObject, RELEASES_ROLE, repoPaths, repositoryBaseUrl } from '@updraft/protocol';
import { retryingFetch } from '@updraft/client/node';
import type { AdminApi } from './api-client.js';
import { CliError } from './output.js';

/**
 * The publisher workflows' network side over the admin API (and the repository, for target
 * files and earlier releases versions); failures stay the CliErrors AdminApi throws.
 */
export function publisherServer(api: AdminApi): PublisherServer {
  /** A file of the app's repository as devices get it. */
  const repositoryFile = async (appId: string, path: string, what: string): Promise<Uint8Array> => {
    const url = `${repositoryBaseUrl(api.server, appId)}/${path}`;
    try {
      const res = await retryingFetch(url);
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      return new Uint8Array(await res.arrayBuffer());
    } catch (err) {
      throw new CliError('server-error', `cannot download ${what} from ${url} (${(err as Error).message})`);
    }
  };
  return {
    releasesMetadata: (appId) => api.call('GET /v1/apps/:appId/releases-metadata', { params: { appId } }),
    releasesInUse: async (appId) =>
      (await api.call('GET /v1/apps/:appId/releases-in-use', { params: { appId } })).releaseIds,
    releasesVersionOf: async (appId, releaseId) => {
      try {
        return (await api.call('GET /v1/apps/:appId/releases/:releaseId', { params: { appId, releaseId } }))
          .releasesVersion;
      } catch (err) {
        if (err instanceof CliError && err.code === ErrorCode.releaseNotFound) return null;
        throw err;
      }
    },
    releasesMetadataVersion: async (appId, version) =>
      // The workflow parses it and checks its signature (trustedReleases) before using anything in it.
      parseJsonObject(
        await repositoryFile(appId, repoPaths.versioned(RELEASES_ROLE, version), `releases version ${version}`),
        `releases version ${version}`,
      ) as ServedEnvelope,
    expiryPolicy: (appId) => api.call('GET /v1/apps/:appId/expiry', { params: { appId } }),
    putBlob: async (appId, sha256, bytes) => {
      await api.call('PUT /v1/apps/:appId/blobs/:sha256', { params: { appId, sha256 } }, { raw: bytes });
    },
    targetFile: (appId, targetPath, sha256, what) => repositoryFile(appId, repoPaths.target(targetPath, sha256), what),
    pushMetadata: (appId, body) => api.call('POST /v1/apps/:appId/metadata', { params: { appId }, body }),
    publishRelease: (appId, body) => api.call('POST /v1/apps/:appId/releases', { params: { appId }, body }),
  };
}
