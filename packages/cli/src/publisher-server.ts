import type { ExpiryPolicy, PublishBody, PublishedRelease, PublisherServer, PushedMetadata } from '@updraft/signing';
import { consistentTargetPath, repositoryBaseUrl, type SignedEnvelope } from '@updraft/protocol';
import { retryingFetch } from '@updraft/client/node';
import type { AdminApi } from './api-client.js';
import { CliError } from './output.js';

/**
 * The publisher workflows' network side over the admin API (and the repository, for target
 * files); failures stay the CliErrors AdminApi throws.
 */
export function publisherServer(api: AdminApi): PublisherServer {
  const app = (appId: string) => `/v1/apps/${encodeURIComponent(appId)}`;
  return {
    releasesMetadata: (appId) => api.request<SignedEnvelope>('GET', `${app(appId)}/releases-metadata`),
    expiryPolicy: (appId) => api.request<Partial<ExpiryPolicy>>('GET', `${app(appId)}/expiry`),
    putBlob: async (appId, sha256, bytes) => {
      await api.request('PUT', `${app(appId)}/blobs/${sha256}`, undefined, bytes);
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
    pushMetadata: (appId, body) => api.request<PushedMetadata>('POST', `${app(appId)}/metadata`, body),
    publishRelease: (appId, body: PublishBody) => api.request<PublishedRelease>('POST', `${app(appId)}/releases`, body),
  };
}
