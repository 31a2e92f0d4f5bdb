import {
  DIRECTOR_ROLE,
  isUpdraftError,
  metadataFileName,
  parseJsonObject,
  RELEASES_ROLE,
  repositoryBaseUrl,
  ROOT_ROLE,
  SNAPSHOT_ROLE,
  TARGETS_ROLE,
  TIMESTAMP_FILE,
  type MetadataRole,
  type SignedEnvelope,
  type Verified,
} from '@updraft/protocol';
import { readVerifiedRepository, type Transport, type VerifiedRepository } from '@updraft/client';
import { NodeTransport } from '@updraft/client/node';
import { CliError } from '../output.js';

/**
 * The app's current repository as the server serves it to devices, read with the client's own
 * refresh from the publisher's trust anchor (root chain, thresholds, versions, hashes), so the
 * CLI never builds a new root or targets on metadata the server made up. Expiry is reported,
 * not enforced: renewing expired metadata is one reason to run this.
 */

export interface VerifiedRepo extends VerifiedRepository {
  appId: string;
  baseUrl: string;
}

export type RepoRole = MetadataRole;

export function envelopeOf(v: Verified<unknown>): SignedEnvelope {
  return parseJsonObject(v.bytes, 'metadata') as unknown as SignedEnvelope;
}

const TIMEOUT_MS = 60_000;

/**
 * The Node transport, with the CLI's error codes: an unreachable server, an error status or an
 * oversized answer fail here; a missing file (404, or 403 from S3-style hosting) is left to the
 * caller, and remembered so its message can name it.
 */
class ServerTransport implements Transport {
  private readonly node = new NodeTransport();
  lastMissing = '';

  async fetchBytes(url: string, options: { maxBytes: number; timeoutMs: number }) {
    let res;
    try {
      res = await this.node.fetchBytes(url, options);
    } catch (err) {
      if (isUpdraftError(err) && err.reason === 'length')
        throw new CliError('untrusted-server', `${url} is larger than ${options.maxBytes} bytes`);
      throw new CliError('server-unreachable', `cannot reach ${url} (${(err as Error).message}); check --server`);
    }
    if (res.status === 404 || res.status === 403) this.lastMissing = url;
    else if (res.status !== 200) throw new CliError('server-error', `${url} answered HTTP ${res.status}`);
    return res;
  }

  downloadToFile(): never {
    throw new Error('the CLI reads metadata only');
  }
}

/** One file from the server; null when it does not exist. */
export async function get(url: string, maxBytes: number): Promise<Uint8Array | null> {
  const res = await new ServerTransport().fetchBytes(url, { maxBytes, timeoutMs: TIMEOUT_MS });
  return res.status === 200 ? res.bytes : null;
}

export async function loadVerifiedRepo(server: string, appId: string, anchor: Uint8Array): Promise<VerifiedRepo> {
  const baseUrl = repositoryBaseUrl(server, appId);
  const transport = new ServerTransport();
  try {
    // Time 0: signatures, versions and hashes are checked; expiry is the caller's to report.
    const repo = await readVerifiedRepository({ transport, baseUrl, anchor, now: () => 0, timeoutMs: TIMEOUT_MS });
    return { ...repo, appId, baseUrl };
  } catch (err) {
    if (err instanceof CliError) throw err;
    // The transport answered every other status itself: this is a required file that is missing.
    if (isUpdraftError(err) && err.reason === 'network')
      throw new CliError(
        'not-found',
        `${transport.lastMissing} does not exist; has the app's trust been set up on this server?`,
      );
    throw new CliError(
      'untrusted-server',
      `the metadata from the server does not verify against your trust anchor (${(err as Error).message}); do not sign on top of it`,
    );
  }
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
    root: metadataFileName(ROOT_ROLE, repo.root.signed.version),
    timestamp: TIMESTAMP_FILE,
    snapshot: metadataFileName(SNAPSHOT_ROLE, repo.snapshot.signed.version),
    targets: metadataFileName(TARGETS_ROLE, repo.targets.signed.version),
    releases: metadataFileName(RELEASES_ROLE, repo.releases.signed.version),
    director: metadataFileName(DIRECTOR_ROLE, repo.director.signed.version),
  };
}
