import {
  delegatedSigned,
  keyId,
  parseRoot,
  parseTargets,
  rootSigned,
  serializeEnvelope,
  sha256Hex,
  targetsSigned,
  type SignedEnvelope,
} from '@updraft/protocol';
import {
  generateKeyFile,
  localSigner,
  type ExpiryPolicy,
  type OfflineMetadata,
  type MetadataPush,
  type PushedMetadata,
  type PublishBody,
  type PublishedRelease,
  type PublisherServer,
  type Signer,
} from '../src/index.js';
import { signMetadata } from '../src/sign.js';

/**
 * An in-memory PublisherServer: what the workflows read and what they sent, with the one check
 * of the real server a workflow relies on (the releases version goes up by one). Every releases
 * version stays readable, and each release remembers the version that added it, as on the server.
 */
export class FakeServer implements PublisherServer {
  releases: SignedEnvelope;
  /** Every releases version by number, as the repository keeps them. */
  readonly versions = new Map<number, SignedEnvelope>();
  /** The releases version that added each release. */
  readonly addedIn = new Map<string, number>();
  /** What the server reports in use (pointers, schedules); a test sets it. */
  inUse = new Set<string>();
  readonly blobs = new Map<string, Uint8Array>();
  readonly published: PublishBody[] = [];
  readonly pushed: MetadataPush[] = [];
  policy: Partial<ExpiryPolicy> = {};

  private constructor(releases: SignedEnvelope) {
    this.releases = releases;
    this.versions.set(1, releases);
  }

  /** An app whose releases metadata v1 (no release) the given key signed. */
  static async create(releasesKey: Signer): Promise<FakeServer> {
    return new FakeServer(
      await signMetadata(delegatedSigned({ version: 1, expires: '2030-01-01T00:00:00Z', targets: {} }), [releasesKey]),
    );
  }

  async releasesMetadata(): Promise<SignedEnvelope> {
    return structuredClone(this.releases);
  }

  async releasesInUse(): Promise<string[]> {
    return [...this.inUse];
  }

  async releasesVersionOf(_appId: string, releaseId: string): Promise<number | null> {
    return this.addedIn.get(releaseId) ?? null;
  }

  async releasesMetadataVersion(_appId: string, version: number): Promise<SignedEnvelope> {
    const envelope = this.versions.get(version);
    if (!envelope) throw new Error(`no releases version ${version}`);
    return structuredClone(envelope);
  }

  async expiryPolicy(): Promise<Partial<ExpiryPolicy>> {
    return this.policy;
  }

  async putBlob(_appId: string, sha256: string, bytes: Uint8Array): Promise<void> {
    if (sha256Hex(bytes) !== sha256) throw new Error('blob does not match its hash');
    this.blobs.set(sha256, bytes);
  }

  async targetFile(_appId: string, _path: string, sha256: string): Promise<Uint8Array> {
    const bytes = this.blobs.get(sha256);
    if (!bytes) throw new Error(`no blob ${sha256}`);
    return bytes;
  }

  async pushMetadata(_appId: string, body: MetadataPush): Promise<PushedMetadata> {
    this.pushed.push(body);
    const version = (e: { signed: { [key: string]: unknown } } | undefined) =>
      e ? (e.signed['version'] as number) : 0;
    return {
      rootVersion: version(body.root),
      targetsVersion: version(body.targets),
      releasesVersion: version(body.releases),
      activated: [],
    };
  }

  async publishRelease(_appId: string, body: PublishBody): Promise<PublishedRelease> {
    const next = parseTargets(body.releases, 'releases').signed;
    const current = parseTargets(this.releases, 'releases').signed;
    if (next.version !== current.version + 1)
      throw Object.assign(new Error('releases changed'), { code: 'releases-changed' });
    // The route's schema types an envelope loosely; parseTargets above has checked this one's shape.
    this.releases = body.releases as SignedEnvelope;
    this.versions.set(next.version, this.releases);
    this.addedIn.set(body.releaseId, next.version);
    this.published.push(body);
    const custom = (next.targets[`manifests/${body.releaseId}.json`]!.custom as { updraft: Record<string, unknown> })
      .updraft;
    return {
      releaseId: body.releaseId,
      versionCode: custom['versionCode'] as number,
      channel: body.channel,
      platform: custom['platform'] as string,
      runtimeVersion: custom['runtimeVersion'] as string,
      createdAt: custom['createdAt'] as string,
      // Which releases the listing dropped: the manifests the previous version had and this one has not.
      droppedReleases: Object.keys(current.targets)
        .filter((path) => path.startsWith('manifests/') && !(path in next.targets))
        .map((path) => path.slice('manifests/'.length, -'.json'.length)),
    };
  }
}

export function newSigner(): Signer {
  return localSigner(generateKeyFile());
}

const DAY = 86_400_000;
export const OFFLINE_NOW = Date.parse('2026-12-01T10:00:00Z');
const NOW = OFFLINE_NOW;
const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

/** An app's offline metadata v1 as verified: root and releases expire in 10 days, targets in 300. */
export async function offlineApp() {
  const keys = { root: newSigner(), targets: newSigner(), releases: newSigner(), online: newSigner() };
  const set = (s: Signer) => ({ keys: [s.publicKey], threshold: 1 });
  const verified = <T>(env: SignedEnvelope, parse: (e: SignedEnvelope) => { signed: T }) => ({
    signed: parse(env).signed,
    bytes: serializeEnvelope(env),
  });
  const root = await signMetadata(
    rootSigned({
      version: 1,
      expires: iso(NOW + 10 * DAY),
      keyIdOf: keyId,
      roles: {
        root: set(keys.root),
        targets: set(keys.targets),
        snapshot: set(keys.online),
        timestamp: set(keys.online),
      },
    }),
    [keys.root],
  );
  const targets = await signMetadata(
    targetsSigned({
      version: 1,
      expires: iso(NOW + 300 * DAY),
      keyIdOf: keyId,
      releases: set(keys.releases),
      director: set(keys.online),
    }),
    [keys.targets],
  );
  const releases = await signMetadata(delegatedSigned({ version: 1, expires: iso(NOW + 10 * DAY), targets: {} }), [
    keys.releases,
  ]);
  const current: OfflineMetadata = {
    root: verified(root, (e) => parseRoot(e)),
    targets: verified(targets, (e) => parseTargets(e)),
    releases: verified(releases, (e) => parseTargets(e, 'releases')),
  };
  return { keys, current };
}
