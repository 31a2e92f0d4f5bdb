import { createHash, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { canonicalBytes, keyId, type TufKey } from '@updraft/protocol';

/**
 * A tiny signed Updraft repository in memory (url → bytes), built the way docs/protocol.md
 * describes it, for driving the client's sync without a server.
 */

export interface TestKey {
  privateKey: KeyObject;
  key: TufKey;
  id: string;
}

export function newKey(): TestKey {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const raw = publicKey.export({ format: 'der', type: 'spki' }).subarray(-32);
  const key: TufKey = { keytype: 'ed25519', scheme: 'ed25519', keyval: { public: raw.toString('hex') } };
  return { privateKey, key, id: keyId(key) };
}

export function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

export function signEnvelope(signed: object, keys: TestKey[]): Uint8Array {
  const message = canonicalBytes(signed);
  const signatures = keys.map((k) => ({ keyid: k.id, sig: sign(null, message, k.privateKey).toString('hex') }));
  return canonicalBytes({ signed, signatures });
}

export const FAR_FUTURE = '2099-01-01T00:00:00Z';
/** The clock tests run at: before FAR_FUTURE, after anything dated in the past. */
export const NOW = Date.parse('2030-06-01T00:00:00Z');

type Role = 'targets' | 'snapshot' | 'timestamp' | 'releases' | 'director';

export interface PublishOptions {
  releaseId: string;
  versionCode: number;
  epoch?: number;
  files: Record<string, string | Uint8Array>;
  launch?: string;
  channels?: string[];
  appId?: string;
  basisPoints?: number;
  salt?: string;
  mandatory?: boolean;
  previous?: { releaseId: string; versionCode: number; length: number; sha256: string; targeting?: object } | null;
  /** Signed targeting rules of the pointer (docs/protocol.md §5.1). */
  targeting?: object;
  /** Patches listed for a file, by path. `served` replaces the bytes the repository answers with. */
  patches?: Record<string, TestPatch[]>;
}

export interface TestPatch {
  from: string;
  bytes: Uint8Array;
  format?: string;
  served?: Uint8Array;
}

export interface Published {
  manifestBytes: Uint8Array;
  manifestSha256: string;
  fileSha256: Record<string, string>;
}

export class TestRepo {
  readonly server: string;
  readonly appId = 'com.example.app';
  readonly platform = 'ios';
  readonly runtimeVersion = '1.0.0';
  readonly channel = 'production';
  /** Everything the repository serves, by absolute URL. */
  readonly files = new Map<string, Uint8Array>();
  readonly roots = new Map<number, Uint8Array>();
  rootKeys: TestKey[] = [newKey()];
  keys: Record<Role, TestKey> = {
    targets: newKey(),
    snapshot: newKey(),
    timestamp: newKey(),
    releases: newKey(),
    director: newKey(),
  };
  readonly versions: Record<Role, number> = { targets: 0, snapshot: 0, timestamp: 0, releases: 0, director: 0 };
  readonly expires: Record<Role | 'root', string> = {
    root: FAR_FUTURE,
    targets: FAR_FUTURE,
    snapshot: FAR_FUTURE,
    timestamp: FAR_FUTURE,
    releases: FAR_FUTURE,
    director: FAR_FUTURE,
  };
  rootVersion = 0;
  private readonly releasesTargets: Record<string, unknown> = {};
  private readonly directorTargets: Record<string, unknown> = {};
  private readonly bytesOf: Partial<Record<Role, Uint8Array>> = {};

  constructor(server = 'https://updates.example.com') {
    this.server = server;
    this.writeRoot(this.rootKeys);
    this.writeTargets();
    this.writeDelegated('releases');
    this.writeDelegated('director');
    this.writeSnapshotAndTimestamp();
  }

  get base(): string {
    return `${this.server}/repo/${this.appId}`;
  }

  /** Where a device finds this repository: the fields of a client config that name it. */
  deviceTarget(): { server: string; appId: string; platform: string; runtimeVersion: string; channel: string } {
    return {
      server: this.server,
      appId: this.appId,
      platform: this.platform,
      runtimeVersion: this.runtimeVersion,
      channel: this.channel,
    };
  }

  url(path: string): string {
    return `${this.base}/${path}`;
  }

  root(version = 1): Uint8Array {
    return this.roots.get(version)!;
  }

  /** Root N+1, signed by `signers` (default: old and new root keys). */
  writeRoot(signers: TestKey[]): Uint8Array {
    this.rootVersion++;
    const all = [...this.rootKeys, ...Object.values(this.keys)];
    const role = (keys: TestKey[]) => ({ keyids: keys.map((k) => k.id), threshold: 1 });
    const signed = {
      _type: 'root',
      spec_version: '1.0.31',
      version: this.rootVersion,
      expires: this.expires.root,
      consistent_snapshot: true,
      keys: Object.fromEntries(all.map((k) => [k.id, k.key])),
      roles: {
        root: role(this.rootKeys),
        targets: role([this.keys.targets]),
        snapshot: role([this.keys.snapshot]),
        timestamp: role([this.keys.timestamp]),
      },
    };
    const bytes = signEnvelope(signed, signers);
    this.roots.set(this.rootVersion, bytes);
    this.files.set(this.url(`metadata/${this.rootVersion}.root.json`), bytes);
    return bytes;
  }

  /** Replaces the root key and/or the timestamp key through a new root signed by old and new. */
  rotate(change: { root?: boolean; timestamp?: boolean }): void {
    const oldRoot = this.rootKeys;
    if (change.root) this.rootKeys = [newKey()];
    if (change.timestamp) this.keys.timestamp = newKey();
    this.writeRoot([...oldRoot, ...(change.root ? this.rootKeys : [])]);
    this.writeSnapshotAndTimestamp();
  }

  publish(opts: PublishOptions): Published {
    const fileSha256: Record<string, string> = {};
    const entries = Object.entries(opts.files)
      .map(([path, content]) => {
        const bytes = typeof content === 'string' ? new TextEncoder().encode(content) : content;
        const hash = sha256(bytes);
        fileSha256[path] = hash;
        this.files.set(this.url(`targets/files/${hash}`), bytes);
        const entry: Record<string, unknown> = {
          path,
          sha256: hash,
          length: bytes.length,
          contentType: 'application/octet-stream',
        };
        const patches = opts.patches?.[path];
        if (patches) {
          entry['patches'] = patches.map((p) => {
            const patchHash = sha256(p.bytes);
            this.files.set(this.url(`targets/files/${patchHash}`), p.served ?? p.bytes);
            return { from: p.from, sha256: patchHash, length: p.bytes.length, format: p.format ?? 'bsdiff-brotli' };
          });
        }
        return entry as { path: string };
      })
      .sort((a, b) => (a.path < b.path ? -1 : 1));
    const epoch = opts.epoch ?? 0;
    const manifest = {
      schema: 'updraft.release/1',
      appId: opts.appId ?? this.appId,
      releaseId: opts.releaseId,
      platform: this.platform,
      runtimeVersion: this.runtimeVersion,
      versionCode: opts.versionCode,
      epoch,
      launch: opts.launch ?? entries[0]!.path,
      createdAt: '2030-01-01T00:00:00Z',
      files: entries,
    };
    const manifestBytes = canonicalBytes(manifest);
    const manifestSha256 = sha256(manifestBytes);
    const hashes = { sha256: manifestSha256 };
    this.files.set(this.url(`targets/manifests/${manifestSha256}.${opts.releaseId}.json`), manifestBytes);
    this.releasesTargets[`manifests/${opts.releaseId}.json`] = {
      length: manifestBytes.length,
      hashes,
      custom: {
        updraft: {
          appId: opts.appId ?? this.appId,
          releaseId: opts.releaseId,
          platform: this.platform,
          runtimeVersion: this.runtimeVersion,
          versionCode: opts.versionCode,
          epoch,
          channels: opts.channels ?? [this.channel],
          createdAt: '2030-01-01T00:00:00Z',
        },
      },
    };
    this.pointTo(opts, manifestBytes.length, manifestSha256);
    return { manifestBytes, manifestSha256, fileSha256 };
  }

  /** Moves the channel pointer (director) to a release signed earlier. */
  pointTo(
    opts: Pick<
      PublishOptions,
      'releaseId' | 'versionCode' | 'basisPoints' | 'salt' | 'mandatory' | 'previous' | 'targeting'
    >,
    length: number,
    manifestSha256: string,
  ): void {
    const pointer = `channels/${this.channel}/${this.platform}/${this.runtimeVersion}`;
    this.files.set(
      this.url(`targets/channels/${this.channel}/${this.platform}/${manifestSha256}.${this.runtimeVersion}`),
      this.files.get(this.url(`targets/manifests/${manifestSha256}.${opts.releaseId}.json`))!,
    );
    this.directorTargets[pointer] = {
      length,
      hashes: { sha256: manifestSha256 },
      custom: {
        updraft: {
          channel: this.channel,
          platform: this.platform,
          runtimeVersion: this.runtimeVersion,
          releaseId: opts.releaseId,
          versionCode: opts.versionCode,
          mandatory: opts.mandatory ?? false,
          rollout: { basisPoints: opts.basisPoints ?? 10000, salt: opts.salt ?? 'salt' },
          previous: opts.previous ?? null,
          ...(opts.targeting ? { targeting: opts.targeting } : {}),
        },
      },
    };
    this.writeDelegated('releases');
    this.writeDelegated('director');
    this.writeSnapshotAndTimestamp();
  }

  writeTargets(): void {
    const v = ++this.versions.targets;
    const delegate = (name: 'releases' | 'director', paths: string[]) => ({
      name,
      keyids: [this.keys[name].id],
      threshold: 1,
      terminating: true,
      paths,
    });
    const signed = {
      _type: 'targets',
      spec_version: '1.0.31',
      version: v,
      expires: this.expires.targets,
      targets: {},
      delegations: {
        keys: { [this.keys.releases.id]: this.keys.releases.key, [this.keys.director.id]: this.keys.director.key },
        roles: [delegate('releases', ['manifests/*']), delegate('director', ['channels/*/*/*'])],
      },
    };
    this.store('targets', v, signEnvelope(signed, [this.keys.targets]));
  }

  writeDelegated(role: 'releases' | 'director'): void {
    const v = ++this.versions[role];
    const signed = {
      _type: 'targets',
      spec_version: '1.0.31',
      version: v,
      expires: this.expires[role],
      targets: role === 'releases' ? this.releasesTargets : this.directorTargets,
    };
    this.store(role, v, signEnvelope(signed, [this.keys[role]]));
  }

  writeSnapshotAndTimestamp(): void {
    const metaOf = (role: Role) => {
      const bytes = this.bytesOf[role]!;
      return { version: this.versions[role], length: bytes.length, hashes: { sha256: sha256(bytes) } };
    };
    const sv = ++this.versions.snapshot;
    const snapshot = {
      _type: 'snapshot',
      spec_version: '1.0.31',
      version: sv,
      expires: this.expires.snapshot,
      meta: {
        'targets.json': metaOf('targets'),
        'releases.json': metaOf('releases'),
        'director.json': metaOf('director'),
      },
    };
    this.store('snapshot', sv, signEnvelope(snapshot, [this.keys.snapshot]));
    this.writeTimestamp();
  }

  writeTimestamp(): void {
    const tv = ++this.versions.timestamp;
    const snap = this.bytesOf.snapshot!;
    const timestamp = {
      _type: 'timestamp',
      spec_version: '1.0.31',
      version: tv,
      expires: this.expires.timestamp,
      meta: {
        'snapshot.json': { version: this.versions.snapshot, length: snap.length, hashes: { sha256: sha256(snap) } },
      },
    };
    const bytes = signEnvelope(timestamp, [this.keys.timestamp]);
    this.bytesOf.timestamp = bytes;
    this.files.set(this.url('metadata/timestamp.json'), bytes);
  }

  private store(role: Role, version: number, bytes: Uint8Array): void {
    this.bytesOf[role] = bytes;
    this.files.set(this.url(`metadata/${version}.${role}.json`), bytes);
  }
}
