import type { PublisherServer } from '@updraft/signing';
import { consistentTargetPath, repositoryBaseUrl } from '@updraft/protocol';
import { retryingFetch } from '@updraft/client/node';
import type { AdminApi } from './api-client.js';
import { CliError } from './output.js';

/**
 * The publisher workflows' network side over the admin API (and the repository, for target
 * files); failures stay the CliErrors AdminApi throws.
 */
export function publisherServer(api: AdminApi): PublisherServer {
  return {
    releasesMetadata: (appId) => api.call('GET /v1/apps/:appId/releases-metadata', { params: { appId } }),
    expiryPolicy: (appId) => api.call('GET /v1/apps/:appId/expiry', { params: { appId } }),
    putBlob: async (appId, sha256, bytes) => {
      await api.call('PUT /v1/apps/:appId/blobs/:sha256', { params: { appId, sha256 } }, { raw: bytes });
    },
    targetFile: async (appId, targetPath, sha256, what) => {
      const url = `${repositoryBaseUrl(api.server.replace(/\/+$/, ''), appId)}/targets/${consistentTargetPath(targetPath, sha256)}`;
      try {
        const res = await retryingFetch(url);
        if (!res.ok) throw new Error(`HTTP ${res.status}`);
        return new Uint8Array(await res.arrayBuffer());
      } catch (err) {
        throw new CliError('server-error', `cannot download ${what} from ${url} (${(err as Error).message})`);
      }
    },
    pushMetadata: (appId, body) => api.call('POST /v1/apps/:appId/metadata', { params: { appId }, body }),
    publishRelease: (appId, body) => api.call('POST /v1/apps/:appId/releases', { params: { appId }, body }),
  };
}
