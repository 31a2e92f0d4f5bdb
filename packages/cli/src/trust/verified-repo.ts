import {
  DIRECTOR_ROLE,
  loadTrustedRoot,
  MAX_ROOT_BYTES,
  parseJsonObject,
  RELEASES_ROLE,
  repoPaths,
  repositoryBaseUrl,
  type RootSigned,
  type SignedEnvelope,
  type SnapshotSigned,
  type TargetsSigned,
  type TimestampSigned,
  type Verified,
  verifyDelegatedTargets,
  verifyRootUpdate,
  verifySnapshot,
  verifyTimestamp,
  verifyTopTargets,
} from '@updraft/protocol';
import { CliError } from '../output.js';
import { retryingFetch } from '@updraft/client/node';

/**
 * The app's current repository as the server serves it to devices, verified from the
 * publisher's trust anchor exactly as a device would (root chain, thresholds, versions,
 * hashes), so the CLI never builds a new root or targets on metadata the server made up.
 * Expiry is reported, not enforced: renewing expired metadata is one reason to run this.
 */

export interface VerifiedRepo {
  appId: string;
  baseUrl: string;
  /** Every root version from 1 to the latest, verified in a chain from the anchor. */
  roots: Verified<RootSigned>[];
  root: Verified<RootSigned>;
  timestamp: Verified<TimestampSigned>;
  snapshot: Verified<SnapshotSigned>;
  targets: Verified<TargetsSigned>;
  releases: Verified<TargetsSigned>;
  director: Verified<TargetsSigned>;
}

export type RepoRole = 'root' | 'timestamp' | 'snapshot' | 'targets' | 'releases' | 'director';

export function envelopeOf(v: Verified<unknown>): SignedEnvelope {
  return parseJsonObject(v.bytes, 'metadata') as unknown as SignedEnvelope;
}

export async function get(url: string, maxBytes: number): Promise<Uint8Array | null> {
  let res: Response;
  try {
    res = await retryingFetch(url);
  } catch (err) {
    throw new CliError('server-unreachable', `cannot reach ${url} (${(err as Error).message}); check --server`);
  }
  if (res.status === 404 || res.status === 403) return null;
  if (!res.ok) throw new CliError('server-error', `${url} answered HTTP ${res.status}`);
  const bytes = new Uint8Array(await res.arrayBuffer());
  if (bytes.length > maxBytes) throw new CliError('untrusted-server', `${url} is larger than ${maxBytes} bytes`);
  return bytes;
}

async function must(url: string, maxBytes: number): Promise<Uint8Array> {
  const bytes = await get(url, maxBytes);
  if (!bytes) throw new CliError('not-found', `${url} does not exist; has the app's trust been set up on this server?`);
  return bytes;
}

const MAX_METADATA_BYTES = 64 * 1024 * 1024;

/** Runs a protocol check; a failure means the server is not serving what the publisher signed. */
function verified<T>(what: string, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    throw new CliError(
      'untrusted-server',
      `${what} from the server does not verify against your trust anchor (${(err as Error).message}); do not sign on top of it`,
    );
  }
}

export async function loadVerifiedRepo(server: string, appId: string, anchor: Uint8Array): Promise<VerifiedRepo> {
  const baseUrl = repositoryBaseUrl(server.replace(/\/+$/, ''), appId);
  const first = verified('root.json (your trust anchor)', () => loadTrustedRoot(anchor));
  const roots: Verified<RootSigned>[] = [first];
  // Versions before the anchor are part of the chain devices with older anchors walk.
  for (let v = first.signed.version - 1; v >= 1; v--) {
    const bytes = await get(`${baseUrl}/${repoPaths.root(v)}`, MAX_ROOT_BYTES);
    if (!bytes) break;
    roots.unshift(verified(`${v}.root.json`, () => loadTrustedRoot(bytes)));
  }
  let root = first;
  for (;;) {
    const bytes = await get(`${baseUrl}/${repoPaths.root(root.signed.version + 1)}`, MAX_ROOT_BYTES);
    if (!bytes) break;
    const current = root;
    root = verified(`${current.signed.version + 1}.root.json`, () => verifyRootUpdate(current.signed, bytes));
    roots.push(root);
  }
  // Time 0: signatures, versions and hashes are checked; expiry is the caller's to report.
  const r = root.signed;
  const tsBytes = await must(`${baseUrl}/${repoPaths.timestamp()}`, MAX_METADATA_BYTES);
  const timestamp = verified('timestamp.json', () => verifyTimestamp(r, tsBytes, null, 0));
  const snapMeta = timestamp.signed.meta['snapshot.json'];
  const snapBytes = await must(`${baseUrl}/${repoPaths.versioned('snapshot', snapMeta.version)}`, MAX_METADATA_BYTES);
  const snapshot = verified('snapshot.json', () => verifySnapshot(r, snapBytes, timestamp.signed, null, 0));
  const versionOf = (role: string) => snapshot.signed.meta[`${role}.json`]?.version ?? 0;
  const targetsBytes = await must(
    `${baseUrl}/${repoPaths.versioned('targets', versionOf('targets'))}`,
    MAX_METADATA_BYTES,
  );
  const targets = verified('targets.json', () => verifyTopTargets(r, targetsBytes, snapshot.signed, null, 0));
  const delegated = async (role: string) => {
    const bytes = await must(`${baseUrl}/${repoPaths.versioned(role, versionOf(role))}`, MAX_METADATA_BYTES);
    return verified(`${role}.json`, () =>
      verifyDelegatedTargets(targets.signed, role, bytes, snapshot.signed, null, 0),
    );
  };
  const releases = await delegated(RELEASES_ROLE);
  const director = await delegated(DIRECTOR_ROLE);
  return { appId, baseUrl, roots, root, timestamp, snapshot, targets, releases, director };
}

/** Each role's `expires`, for reports and warnings. */
export function expiries(repo: VerifiedRepo): Record<RepoRole, string> {
  return {
    root: repo.root.signed.expires,
    timestamp: repo.timestamp.signed.expires,
    snapshot: repo.snapshot.signed.expires,
    targets: repo.targets.signed.expires,
    releases: repo.releases.signed.expires,
    director: repo.director.signed.expires,
  };
}

/** The versioned file name a role's current metadata has in the repository. */
export function fileNames(repo: VerifiedRepo): Record<RepoRole, string> {
  return {
    root: `${repo.root.signed.version}.root.json`,
    timestamp: 'timestamp.json',
    snapshot: `${repo.snapshot.signed.version}.snapshot.json`,
    targets: `${repo.targets.signed.version}.targets.json`,
    releases: `${repo.releases.signed.version}.releases.json`,
    director: `${repo.director.signed.version}.director.json`,
  };
}
