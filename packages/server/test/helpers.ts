import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type JsonObject,
  loadTrustedRoot,
  manifestTargetPath,
  type SignedEnvelope,
  type TufKey,
  verifyDelegatedTargets,
  verifySnapshot,
  verifyTimestamp,
  verifyTopTargets,
} from '@updraft/protocol';
import {
  AUDIT_LOG_ID,
  AuditAnchorService,
  buildApp,
  FolderBlobStore,
  openSqliteStore,
  TransparencyLogService,
  startServer,
  type RunningServer,
  type StartServerOptions,
} from '../src/index.js';
import {
  expiresAfter,
  firstTrust,
  generateKeyFile,
  localSigner,
  manifestBlob,
  nextReleaseTargets,
  publicKeyOf,
  pushMetadata,
  releaseDocuments,
  renewOffline,
  signNextReleases,
  trustedReleases,
  withDefaults,
  type KeyFile,
  type OnlineKeys,
  type OfflineRole,
  type PublisherServer,
  type PushedMetadata,
} from '@updraft/signing';
import { adminPublisher, publisherView } from '@updraft/test-kit/admin-publisher';
import { runCli, type CliResult } from '@updraft/test-kit/cli';

export const sha256 = (bytes: Uint8Array | string) => createHash('sha256').update(bytes).digest('hex');

export interface TestServer {
  server: RunningServer;
  url: string;
  dataDir: string;
  key: string;
  /** The publisher workflows' view of this server, with the owner key. */
  publisher: PublisherServer;
  api: (method: string, path: string, body?: unknown, headers?: Record<string, string>) => Promise<ApiResponse>;
  stop: () => Promise<void>;
}

export interface ApiResponse {
  status: number;
  headers: Headers;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read response fields freely; the server is what is under test
  json: any;
  bytes: Uint8Array;
}

export async function tempDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'updraft-server-test-'));
}

export async function request(
  url: string,
  method: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<ApiResponse> {
  const init: RequestInit = { method, headers: { ...headers } };
  if (body instanceof Uint8Array) {
    init.body = body as Uint8Array<ArrayBuffer>;
    (init.headers as Record<string, string>)['content-type'] ??= 'application/octet-stream';
  } else if (body !== undefined) {
    init.body = typeof body === 'string' ? body : JSON.stringify(body);
    (init.headers as Record<string, string>)['content-type'] ??= 'application/json';
  }
  const res = await fetch(url, init);
  const bytes = new Uint8Array(await res.arrayBuffer());
  let json: unknown = null;
  try {
    json = JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    // not JSON
  }
  return { status: res.status, headers: res.headers, json, bytes };
}

export async function startTestServer(opts: Partial<StartServerOptions> = {}): Promise<TestServer> {
  const dataDir = opts.dataDir ?? (await tempDir());
  // No timestamp cache by default: several tests write to the store behind the server's back.
  const server = await startServer({ port: 0, timestampCacheMs: 0, ...opts, dataDir });
  if (!server.adminKey) throw new Error('expected a fresh data dir');
  const key = server.adminKey;
  return {
    server,
    url: server.url,
    dataDir,
    key,
    publisher: adminPublisher(server.url, key),
    api: (method, path, body, headers = {}) =>
      request(server.url + path, method, body, { authorization: `Bearer ${key}`, ...headers }),
    stop: async () => {
      await server.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** The real `updraft` binary, signed in to the test server as its admin. */
export function cli(args: string[], t: TestServer): Promise<CliResult> {
  return runCli(args, { UPDRAFT_SERVER: t.url, UPDRAFT_API_KEY: t.key });
}

/** The publisher's offline keys. */
export interface PublisherKeys {
  root: KeyFile[];
  targets: KeyFile;
  releases: KeyFile;
}

export function publisherKeys(): PublisherKeys {
  return {
    root: [generateKeyFile(), generateKeyFile()],
    targets: generateKeyFile(),
    releases: generateKeyFile('ecdsa-p256'),
  };
}

/**
 * Root (2-of-2), targets and releases v1 as `updraft apps create` builds them (firstTrust).
 * The overrides break one thing for a test of the server's refusal: keys delegated or listed
 * that the publisher does not hold, or a root signed by other keys than it lists.
 */
export async function buildTrust(
  online: OnlineKeys,
  keys: PublisherKeys,
  overrides: {
    releasesKeys?: TufKey[];
    directorKey?: TufKey;
    snapshotKey?: TufKey;
    rootSigners?: KeyFile[];
    /** Extra fields of root's `signed` (e.g. the `x-updraft-log` pin). */
    rootExtra?: JsonObject;
  } = {},
): Promise<{ root: SignedEnvelope; targets: SignedEnvelope; releases: SignedEnvelope }> {
  return firstTrust({
    online: {
      ...online,
      director: overrides.directorKey ?? online.director,
      snapshot: overrides.snapshotKey ?? online.snapshot,
    },
    root: {
      keys: keys.root.map(publicKeyOf),
      threshold: 2,
      signers: (overrides.rootSigners ?? keys.root).map(localSigner),
    },
    targets: { keys: [publicKeyOf(keys.targets)], threshold: 1, signers: [localSigner(keys.targets)] },
    releases: {
      keys: overrides.releasesKeys ?? [publicKeyOf(keys.releases)],
      threshold: 1,
      signers: [localSigner(keys.releases)],
    },
    ...(overrides.rootExtra ? { rootExtra: overrides.rootExtra } : {}),
    nowMs: Date.now(),
  });
}

/** Creates an app and sets its trust; returns the publisher keys and root bytes a device ships. */
export async function createTrustedApp(
  t: Pick<TestServer, 'api' | 'url'>,
  appId: string,
  opts: { rootExtra?: (created: JsonObject) => JsonObject } = {},
): Promise<{ keys: PublisherKeys; rootBytes: Uint8Array }> {
  const created = await t.api('POST', '/v1/apps', { appId });
  if (created.status !== 201) throw new Error(`create app: ${created.status} ${JSON.stringify(created.json)}`);
  const keys = publisherKeys();
  const trust = await buildTrust(
    created.json.onlineKeys,
    keys,
    opts.rootExtra ? { rootExtra: opts.rootExtra(created.json as JsonObject) } : {},
  );
  const res = await t.api('PUT', `/v1/apps/${appId}/trust`, trust);
  if (res.status !== 200) throw new Error(`trust: ${res.status} ${JSON.stringify(res.json)}`);
  const root = await request(`${t.url}/repo/${appId}/metadata/1.root.json`, 'GET');
  return { keys, rootBytes: root.bytes };
}

export interface ReleaseSpec {
  releaseId: string;
  versionCode: number;
  channel?: string;
  channels?: string[];
  platform?: string;
  runtimeVersion?: string;
  /** Text (stored as UTF-8) or raw bytes, by path. */
  files?: Record<string, string | Uint8Array>;
  /** Sign with this key instead of the releases key. */
  signer?: KeyFile;
  /** Publish as this releases version instead of current + 1. */
  version?: number;
  /** Release ids the new releases version leaves out of the listing (as the publisher drops ones no longer kept). */
  drop?: string[];
  skipUpload?: boolean;
  /** Listed in the manifest as is (their blobs are not uploaded by this helper). */
  patches?: Record<string, { from: string; sha256: string; length: number; format: string }[]>;
}

/**
 * Uploads a release's files and manifest, then builds the signed releases metadata for it with
 * the publish workflow's own steps (publishRelease in @updraft/signing): the manifest and the
 * signed release fields as releaseDocuments spells them, the server's releases metadata checked
 * against the releases key, the targets carried over, the manifest as its canonical bytes, the
 * next version signed. Unlike publishRelease it takes the release id and versionCode from the
 * test and leaves the POST to the test, which checks the server's answer; `signer`, `version`,
 * `versionCode`, `skipUpload` and `drop` let a test publish what the server must refuse.
 */
export async function prepareRelease(
  t: Pick<TestServer, 'publisher'>,
  appId: string,
  keys: PublisherKeys,
  spec: ReleaseSpec,
): Promise<{ body: { releases: SignedEnvelope; releaseId: string; channel: string }; manifestBytes: Uint8Array }> {
  const server = t.publisher;
  const platform = spec.platform ?? 'ios';
  const runtimeVersion = spec.runtimeVersion ?? '1.0.0';
  const files = spec.files ?? { 'index.bundle': `console.log(${JSON.stringify(spec.releaseId)})` };
  const bytesOf = (content: string | Uint8Array) =>
    typeof content === 'string' ? new TextEncoder().encode(content) : content;
  const entries = Object.entries(files)
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([path, content]) => ({
      path,
      sha256: sha256(content),
      length: bytesOf(content).length,
      contentType: 'application/javascript',
    }));
  const createdAt = '2026-11-22T20:00:00Z';
  const { manifest: manifestJson, custom } = releaseDocuments({
    appId,
    releaseId: spec.releaseId,
    platform,
    runtimeVersion,
    versionCode: spec.versionCode,
    epoch: 0,
    launch: entries[0]!.path,
    createdAt,
    files: entries,
    patches: spec.patches ? new Map(Object.entries(spec.patches)) : undefined,
    channels: spec.channels ?? ['*'],
  });
  const manifest = manifestBlob(manifestJson);
  if (!spec.skipUpload) {
    for (const content of Object.values(files)) {
      const bytes = bytesOf(content);
      await server.putBlob(appId, sha256(bytes), bytes);
    }
    await server.putBlob(appId, manifest.sha256, manifest.bytes);
  }
  const current = trustedReleases(await server.releasesMetadata(appId), localSigner(keys.releases));
  const { targets } = nextReleaseTargets(current.targets, platform, runtimeVersion);
  for (const releaseId of spec.drop ?? []) delete targets[manifestTargetPath(releaseId)];
  const releases = await signNextReleases({
    version: spec.version ?? current.version + 1,
    expires: expiresAfter(Date.now(), withDefaults(await server.expiryPolicy(appId)).releases),
    targets,
    manifest,
    custom,
    signers: [localSigner(spec.signer ?? keys.releases)],
  });
  return {
    body: { releases, releaseId: spec.releaseId, channel: spec.channel ?? 'production' },
    manifestBytes: manifest.bytes,
  };
}

/**
 * An offline renewal as `updraft refresh` makes it: read the repository verified from the
 * trust anchor, renew every offline role the given keys can sign (all of them are treated as
 * due), push them together.
 */
export async function renewWithKeys(
  t: TestServer,
  appId: string,
  anchor: Uint8Array,
  keys: KeyFile[],
): Promise<PushedMetadata & { roles: OfflineRole[] }> {
  const current = await publisherView(t.url, appId, anchor);
  const policy = withDefaults(await t.publisher.expiryPolicy(appId));
  const { bundle, roles } = await renewOffline({
    appId,
    current,
    policy: { ...policy, warnBefore: 10 * policy.root },
    signers: keys.map(localSigner),
    nowMs: Date.now(),
  });
  return { ...(await pushMetadata(t.publisher, appId, bundle, current)), roles };
}

/** A device's metadata refresh (docs/protocol.md §4 steps 2-6) with the protocol package. */
export async function refresh(url: string, appId: string, rootBytes: Uint8Array) {
  const base = `${url}/repo/${appId}/metadata`;
  const get = async (name: string) => {
    const r = await request(`${base}/${name}`, 'GET');
    if (r.status !== 200) throw new Error(`${name}: ${r.status}`);
    return r.bytes;
  };
  const now = Date.now();
  const root = loadTrustedRoot(rootBytes).signed;
  const next = await request(`${base}/${root.version + 1}.root.json`, 'GET');
  if (next.status !== 404) throw new Error(`expected no newer root, got ${next.status}`);
  const timestamp = verifyTimestamp(root, await get('timestamp.json'), null, now).signed;
  const sv = timestamp.meta['snapshot.json'].version;
  const snapshot = verifySnapshot(root, await get(`${sv}.snapshot.json`), timestamp, null, now).signed;
  const targets = verifyTopTargets(
    root,
    await get(`${snapshot.meta['targets.json']!.version}.targets.json`),
    snapshot,
    null,
    now,
  ).signed;
  const releases = verifyDelegatedTargets(
    targets,
    'releases',
    await get(`${snapshot.meta['releases.json']!.version}.releases.json`),
    snapshot,
    null,
    now,
  ).signed;
  const director = verifyDelegatedTargets(
    targets,
    'director',
    await get(`${snapshot.meta['director.json']!.version}.director.json`),
    snapshot,
    null,
    now,
  ).signed;
  return { root, timestamp, snapshot, targets, releases, director };
}

/** An app over a fresh SQLite store whose audit log is anchored from a head the test sets. */
export async function startAuditLogFixture() {
  const dir = await tempDir();
  const store = await openSqliteStore(join(dir, 'updraft.db'));
  const blobs = await FolderBlobStore.open(join(dir, 'blobs'));
  const app = await buildApp({ store, blobs });
  let head: { size: number; head: string } | null = null;
  const anchor = new AuditAnchorService({ store, now: Date.now, source: { name: 'admin', head: async () => head } });
  return {
    store,
    app,
    setHead(next: { size: number; head: string } | null) {
      head = next;
    },
    anchorOnce: () => anchor.anchorOnce(),
    identity: () => new TransparencyLogService({ store, now: Date.now }).identity(AUDIT_LOG_ID),
    /** Starts listening; the audit log's base URL. */
    async listen(): Promise<string> {
      await app.listen({ host: '127.0.0.1', port: 0 });
      return `http://127.0.0.1:${(app.server.address() as { port: number }).port}/log/audit`;
    },
    async close() {
      await app.close();
      await store.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
