import type { ExpiryPolicy, PublishBody, PublishedRelease, PublisherServer } from '@updraft/signing';
import type { SignedEnvelope } from '@updraft/protocol';
import type { AdminApi } from './api-client.js';

/** The publisher workflows' network side over the admin API; failures stay the CliErrors AdminApi throws. */
export function publisherServer(api: AdminApi): PublisherServer {
  const app = (appId: string) => `/v1/apps/${encodeURIComponent(appId)}`;
  return {
    releasesMetadata: (appId) => api.request<SignedEnvelope>('GET', `${app(appId)}/releases-metadata`),
    expiryPolicy: (appId) => api.request<Partial<ExpiryPolicy>>('GET', `${app(appId)}/expiry`),
    putBlob: async (appId, sha256, bytes) => {
      await api.request('PUT', `${app(appId)}/blobs/${sha256}`, undefined, bytes);
    },
    publishRelease: (appId, body: PublishBody) => api.request<PublishedRelease>('POST', `${app(appId)}/releases`, body),
  };
}
