import { readVerifiedRepository, type VerifiedRepository } from '@updraft/client';
import { NodeTransport } from '@updraft/client/node';
import {
  consistentTargetPath,
  RELEASES_ROLE,
  repoPaths,
  repositoryBaseUrl,
  type SignedEnvelope,
} from '@updraft/protocol';
import type {
  ExpiryPolicy,
  MetadataPush,
  PublishBody,
  PublishedRelease,
  PublisherServer,
  PushedMetadata,
} from '@updraft/signing';

/**
 * The publisher workflows' network side over a running server's admin API, for tests that
 * publish, roll back, renew or rotate the way the CLI does (the CLI's own implementation sits
 * on its admin client). A refusal throws an AdminRefusal carrying the status and the error
 * body, so a test can check what the server said.
 */

export class AdminRefusal extends Error {
  readonly status: number;
  /** The server's `error` object (`code`, `message`, details). */
  readonly error: { code: string; message: string } & Record<string, unknown>;

  constructor(what: string, status: number, body: unknown) {
    const error = ((body as { error?: unknown } | null)?.error ?? { code: 'unknown', message: String(body) }) as {
      code: string;
      message: string;
    };
    super(`${what}: HTTP ${status} ${error.code}: ${error.message}`);
    this.name = 'AdminRefusal';
    this.status = status;
    this.error = error;
  }
}

export function adminPublisher(server: string, adminKey: string): PublisherServer {
  const app = (appId: string) => `${server}/v1/apps/${encodeURIComponent(appId)}`;
  const call = async <T>(method: string, url: string, body?: unknown): Promise<T> => {
    const headers: Record<string, string> = { authorization: `Bearer ${adminKey}` };
    let payload: string | Uint8Array<ArrayBuffer> | undefined;
    if (body instanceof Uint8Array) {
      headers['content-type'] = 'application/octet-stream';
      payload = body as Uint8Array<ArrayBuffer>;
    } else if (body !== undefined) {
      headers['content-type'] = 'application/json';
      payload = JSON.stringify(body);
    }
    const res = await fetch(url, { method, headers, ...(payload === undefined ? {} : { body: payload }) });
    const text = await res.text();
    const json: unknown = text ? JSON.parse(text) : null;
    if (!res.ok) throw new AdminRefusal(`${method} ${url}`, res.status, json);
    return json as T;
  };
  return {
    releasesMetadata: (appId) => call<SignedEnvelope>('GET', `${app(appId)}/releases-metadata`),
    releasesInUse: async (appId) =>
      (await call<{ releaseIds: string[] }>('GET', `${app(appId)}/releases-in-use`)).releaseIds,
    releasesVersionOf: async (appId, releaseId) => {
      try {
        return (
          await call<{ releasesVersion: number }>('GET', `${app(appId)}/releases/${encodeURIComponent(releaseId)}`)
        ).releasesVersion;
      } catch (err) {
        if (err instanceof AdminRefusal && err.error.code === 'release-not-found') return null;
        throw err;
      }
    },
    releasesMetadataVersion: async (appId, version) => {
      const url = `${repositoryBaseUrl(server, appId)}/${repoPaths.versioned(RELEASES_ROLE, version)}`;
      const res = await fetch(url);
      if (!res.ok) throw new Error(`releases version ${version}: HTTP ${res.status}`);
      // The workflow parses it and checks its signature before using anything in it.
      return (await res.json()) as SignedEnvelope;
    },
    expiryPolicy: (appId) => call<Partial<ExpiryPolicy>>('GET', `${app(appId)}/expiry`),
    putBlob: async (appId, sha256, bytes) => {
      await call('PUT', `${app(appId)}/blobs/${sha256}`, bytes);
    },
    targetFile: async (appId, targetPath, sha256, what) => {
      const res = await fetch(
        `${repositoryBaseUrl(server, appId)}/targets/${consistentTargetPath(targetPath, sha256)}`,
      );
      if (!res.ok) throw new Error(`${what}: HTTP ${res.status}`);
      return new Uint8Array(await res.arrayBuffer());
    },
    publishRelease: (appId, body: PublishBody) => call<PublishedRelease>('POST', `${app(appId)}/releases`, body),
    pushMetadata: (appId, body: MetadataPush) => call<PushedMetadata>('POST', `${app(appId)}/metadata`, body),
  };
}

/**
 * The app's repository as the publisher reads it before changing keys or renewing: verified
 * from its trust anchor with the client's own refresh, expiry left to the caller (as the CLI does).
 */
export function publisherView(server: string, appId: string, anchor: Uint8Array): Promise<VerifiedRepository> {
  return readVerifiedRepository({
    transport: new NodeTransport(),
    baseUrl: repositoryBaseUrl(server, appId),
    anchor,
    now: () => 0,
  });
}
