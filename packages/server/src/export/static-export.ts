import {
  DIRECTOR_ROLE,
  LOG_FOLDER,
  RELEASES_ROLE,
  repoPaths,
  repositoryPath,
  roleFileName,
  ROOT_ROLE,
  SNAPSHOT_ROLE,
  TARGETS_ROLE,
  TIMESTAMP_ROLE,
  type VersionedRole,
} from '@updraft/protocol';
import type { BlobStore } from '../blobs/blobs.js';
import type { Ports, StoredMetadata } from '../persistence/persistence.js';
import { exportLog } from './transparency-log-export.js';
import type { ExportSink, ObjectMeta } from './sinks.js';

/**
 * Static mode: the complete signed repository of one app written as plain files, at exactly
 * the URLs the server uses (`repo/<appId>/metadata/…`, `repo/<appId>/targets/…`), so any
 * static host or CDN serving the output serves devices with no Updraft server running.
 */

export const STATIC_IMMUTABLE: ObjectMeta['cacheControl'] = 'public, max-age=31536000, immutable';
export const STATIC_TIMESTAMP: ObjectMeta['cacheControl'] = 'public, max-age=10, must-revalidate';

export interface ExportResult {
  appId: string;
  destination: string;
  /** Files written in this run (timestamp.json always is). */
  written: number;
  /** Files already there under their immutable name. */
  skipped: number;
  bytesWritten: number;
  timestampVersion: number;
  releases: number;
  /** Tree size of the exported transparency log (0: the app has no log yet). */
  logSize: number;
}

export class ExportError extends Error {
  constructor(
    readonly code: 'not-found' | 'no-trust' | 'inconsistent',
    message: string,
  ) {
    super(message);
    this.name = 'ExportError';
  }
}

interface SignedTargets {
  targets: Record<string, { length: number; hashes: { sha256: string } }>;
}

function signedOf<T>(m: StoredMetadata): T {
  return (JSON.parse(new TextDecoder().decode(m.bytes)) as { signed: T }).signed;
}

/** Every content hash a manifest names: its files and any patches listed for them. */
function blobsOfManifest(bytes: Uint8Array): string[] {
  const manifest = JSON.parse(new TextDecoder().decode(bytes)) as {
    files?: { sha256?: unknown; patches?: { sha256?: unknown }[] }[];
  };
  const out: string[] = [];
  for (const f of manifest.files ?? []) {
    if (typeof f.sha256 === 'string') out.push(f.sha256);
    for (const p of Array.isArray(f.patches) ? f.patches : []) if (typeof p.sha256 === 'string') out.push(p.sha256);
  }
  return out;
}

export async function exportRepository(deps: {
  store: Ports<'trust' | 'releases' | 'transparencyLog'>;
  blobs: BlobStore;
  appId: string;
  sink: ExportSink;
}): Promise<ExportResult> {
  const { store, blobs, appId, sink } = deps;
  const app = await store.trust.getApp(appId);
  if (!app)
    throw new ExportError(
      'not-found',
      `app ${appId} does not exist; check the --app id and the --database/--data you pointed at`,
    );
  if (!app.trustInitializedAt) {
    throw new ExportError('no-trust', `app ${appId} has no trust metadata yet; run 'updraft apps create' to finish it`);
  }

  const base = repositoryPath(appId);
  const result: ExportResult = {
    appId,
    destination: sink.description,
    written: 0,
    skipped: 0,
    bytesWritten: 0,
    timestampVersion: 0,
    releases: 0,
    logSize: 0,
  };
  const json = (cacheControl: string): ObjectMeta => ({ contentType: 'application/json', cacheControl });

  /** Immutable names are written once; a re-export only adds what is new. */
  const writeOnce = async (path: string, body: Parameters<ExportSink['write']>[1], meta: ObjectMeta, size: number) => {
    if (await sink.exists(path)) {
      result.skipped++;
      return false;
    }
    await sink.write(path, body, meta);
    result.written++;
    result.bytesWritten += size;
    return true;
  };

  const require = async (role: VersionedRole, version: number): Promise<StoredMetadata> => {
    const m = await store.trust.getMetadata(appId, role, version);
    if (!m) throw new ExportError('inconsistent', `${appId}: ${version}.${role}.json is referenced but missing`);
    return m;
  };

  // Pin one consistent state: the latest timestamp, the snapshot it names, the versions that
  // snapshot names. A publish racing this export only adds newer versions we do not touch.
  const timestamp = await store.trust.getLatestMetadata(appId, TIMESTAMP_ROLE);
  if (!timestamp) throw new ExportError('no-trust', `${appId} has no timestamp yet`);
  result.timestampVersion = timestamp.version;
  const ts = signedOf<{ meta: Record<string, { version: number }> }>(timestamp);
  const snapshot = await require(SNAPSHOT_ROLE, ts.meta[roleFileName(SNAPSHOT_ROLE)]!.version);
  const snap = signedOf<{ meta: Record<string, { version: number }> }>(snapshot);
  const pinned = (role: VersionedRole) => require(role, snap.meta[roleFileName(role)]!.version);
  const targets = await pinned(TARGETS_ROLE);
  const releases = await pinned(RELEASES_ROLE);
  const director = await pinned(DIRECTOR_ROLE);

  // 1. Targets first, so no metadata written below can name a file that is not there yet.
  const blobBody = (sha256: string) => async () => {
    const opened = await blobs.createReadStream(sha256);
    if (!opened)
      throw new ExportError('inconsistent', `${appId}: blob ${sha256} is referenced but missing from the blob store`);
    return opened;
  };
  const writeBlob = async (path: string, sha256: string, length: number, meta: ObjectMeta) =>
    writeOnce(`${base}/${path}`, blobBody(sha256), meta, length);

  const files = new Map<string, number>();
  const manifests = signedOf<SignedTargets>(releases).targets;
  for (const [targetPath, entry] of Object.entries(manifests)) {
    const bytes = await blobs.get(entry.hashes.sha256);
    if (!bytes)
      throw new ExportError('inconsistent', `${appId}: manifest of ${targetPath} is missing from the blob store`);
    for (const sha of blobsOfManifest(bytes)) files.set(sha, 0);
  }
  const owned = await store.releases.findAppBlobs(appId, [...files.keys()]);
  for (const sha of files.keys()) {
    const length = owned.get(sha) ?? (await blobs.stat(sha))?.length;
    if (length === undefined)
      throw new ExportError('inconsistent', `${appId}: file ${sha} is missing from the blob store`);
    await writeBlob(repoPaths.file(sha), sha, length, {
      contentType: 'application/octet-stream',
      cacheControl: STATIC_IMMUTABLE,
    });
  }
  for (const [targetPath, entry] of Object.entries(manifests)) {
    await writeBlob(
      repoPaths.target(targetPath, entry.hashes.sha256),
      entry.hashes.sha256,
      entry.length,
      json(STATIC_IMMUTABLE),
    );
    result.releases++;
  }
  for (const [targetPath, entry] of Object.entries(signedOf<SignedTargets>(director).targets)) {
    await writeBlob(
      repoPaths.target(targetPath, entry.hashes.sha256),
      entry.hashes.sha256,
      entry.length,
      json(STATIC_IMMUTABLE),
    );
  }

  // 2. Metadata, leaves before what names them: every root (devices walk the chain), then
  //    the pinned targets/releases/director, then snapshot.
  const latestRoot = await store.trust.getLatestMetadata(appId, ROOT_ROLE);
  for (let v = 1; v <= (latestRoot?.version ?? 0); v++) {
    const root = await require(ROOT_ROLE, v);
    await writeOnce(`${base}/${repoPaths.root(v)}`, root.bytes, json(STATIC_IMMUTABLE), root.length);
  }
  const pinnedMetadata = [
    [TARGETS_ROLE, targets],
    [RELEASES_ROLE, releases],
    [DIRECTOR_ROLE, director],
    [SNAPSHOT_ROLE, snapshot],
  ] as const;
  for (const [role, m] of pinnedMetadata) {
    await writeOnce(`${base}/${repoPaths.versioned(role, m.version)}`, m.bytes, json(STATIC_IMMUTABLE), m.length);
  }

  // 3. The transparency log (tiles, then its checkpoint), read after the pinned versions so
  //    the releases version above is already in it: a device under `enforce` checks it.
  result.logSize = await exportLog({
    store,
    appId,
    base: `${base}/${LOG_FOLDER}`,
    cache: { immutable: STATIC_IMMUTABLE, changing: STATIC_TIMESTAMP },
    write: {
      exists: (path) => sink.exists(path),
      once: (path, body, meta) => writeOnce(path, body, meta, body.length),
      always: async (path, body, meta) => {
        await sink.write(path, body, meta);
        result.written++;
        result.bytesWritten += body.length;
      },
    },
  });

  // 4. timestamp.json last and always: from this write on, devices see the new state.
  await sink.write(`${base}/${repoPaths.timestamp()}`, timestamp.bytes, json(STATIC_TIMESTAMP));
  result.written++;
  result.bytesWritten += timestamp.length;
  return result;
}
