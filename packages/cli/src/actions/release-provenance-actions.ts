import { resolve } from 'node:path';
import {
  checkThreshold,
  manifestTargetPath,
  parseJsonObject,
  parseTargets,
  sha256Hex,
  repoPaths,
  repositoryBaseUrl,
} from '@updraft/protocol';
import {
  parseProvenanceRef,
  verifyProvenance,
  type ProvenanceRef,
  type ProvenanceSummary,
} from '@updraft/protocol/transparency';
import { defaultKeysDir, publicKeyOf, readRoleKey } from '@updraft/signing';
import type { ServedEnvelope } from '@updraft/api';
import { requireServer, type AdminApi } from '../api-client.js';
import { publisherServer } from '../publisher-server.js';
import { CliError, colour, emit } from '../output.js';
import type { GlobalOptions } from '../run.js';
import { retryingFetch } from '@updraft/client/node';

export interface ProvenanceOptions extends GlobalOptions {
  app: string;
  keys?: string;
}

export interface VerifiedProvenance extends ProvenanceSummary {
  releaseId: string;
  /** Whether the releases metadata naming this provenance carries the local releases key's signature. */
  releaseSignatureVerified: boolean;
}

/**
 * A releases version as the publisher signed it, and whether the local releases key's signature
 * is on it (false when there is no key in the folder, or it did not sign).
 */
async function readListing(
  raw: ServedEnvelope,
  keysDir: string | undefined,
  appId: string,
): Promise<{ releases: ReturnType<typeof parseTargets>; releaseSignatureVerified: boolean }> {
  const releases = parseTargets(raw, 'releases');
  try {
    const key = await readRoleKey(resolve(keysDir ?? defaultKeysDir(appId)), 'releases');
    checkThreshold(
      raw['signed'],
      releases.signatures,
      { [key.keyid]: publicKeyOf(key) },
      { keyids: [key.keyid], threshold: 1 },
      'releases',
    );
    return { releases, releaseSignatureVerified: true };
  } catch {
    // no local releases key, or not signed by it: reported in the result
    return { releases, releaseSignatureVerified: false };
  }
}

/**
 * Fetches a release's provenance attestation through the signed reference in its releases
 * target (hash, length, builder key) and verifies it. The target is read from the current
 * releases listing or, for a release the listing no longer keeps (docs/protocol.md §3.1, "What
 * the listing keeps"), from the releases version that added it. Returns null when the release
 * was published without provenance; throws CliError when it is missing or does not verify.
 */
export async function loadProvenance(
  api: AdminApi,
  appId: string,
  releaseId: string,
  keysDir: string | undefined,
): Promise<VerifiedProvenance | null> {
  const path = manifestTargetPath(releaseId);
  let listing = await readListing(
    await api.call('GET /v1/apps/:appId/releases-metadata', { params: { appId } }),
    keysDir,
    appId,
  );
  let target = listing.releases.signed.targets[path];
  if (!target) {
    const repository = publisherServer(api);
    const version = await repository.releasesVersionOf(appId, releaseId);
    if (version === null)
      throw new CliError('not-found', `no release ${releaseId} in ${appId}; see 'updraft release list --app ${appId}'`);
    listing = await readListing(await repository.releasesMetadataVersion(appId, version), keysDir, appId);
    target = listing.releases.signed.version === version ? listing.releases.signed.targets[path] : undefined;
    if (!target) {
      throw new CliError(
        'bad-provenance',
        `the server says releases version ${version} added ${releaseId}, but that version does not list it`,
      );
    }
  }
  const { releaseSignatureVerified } = listing;
  let ref: ProvenanceRef | null;
  try {
    ref = parseProvenanceRef(target.custom, path);
  } catch (err) {
    throw new CliError(
      'bad-provenance',
      `the provenance reference of ${releaseId} is malformed: ${(err as Error).message}`,
    );
  }
  if (!ref) return null;
  const url = `${repositoryBaseUrl(api.server, appId)}/${repoPaths.target(ref.path, ref.sha256)}`;
  const res = await retryingFetch(url);
  const bytes = new Uint8Array(await res.arrayBuffer());
  if (!res.ok || sha256Hex(bytes) !== ref.sha256 || bytes.length !== ref.length) {
    throw new CliError('bad-provenance', `the provenance at ${url} is missing or does not match the signed hash`);
  }
  let summary: ProvenanceSummary;
  try {
    summary = verifyProvenance(parseJsonObject(bytes, 'provenance'), ref.builderKey);
  } catch (err) {
    throw new CliError('bad-provenance', `the provenance of ${releaseId} does not verify: ${(err as Error).message}`);
  }
  return { releaseId, releaseSignatureVerified, ...summary };
}

export function describeProvenance(p: VerifiedProvenance): string[] {
  return [
    `${colour.green('verified')} provenance of ${p.releaseId} (builder key ${p.builderKeyIds.join(', ')})`,
    `  builder:    ${p.builderId}`,
    `  source:     ${p.repository ?? '-'} @ ${p.commit ?? '-'}${p.dirty ? colour.yellow(' with uncommitted changes') : p.dirty === false ? ' (clean)' : ''}`,
    `  built:      ${p.buildTime ?? '-'}`,
    ...p.subjects.map((s) => `  subject:    ${s.name} sha256:${s.sha256}`),
    ...(p.releaseSignatureVerified
      ? []
      : [colour.yellow('  (release signature not checked: no releases key in --keys)')]),
  ];
}

export async function showProvenance(releaseId: string, opts: ProvenanceOptions): Promise<void> {
  const result = await loadProvenance(requireServer(opts), opts.app, releaseId, opts.keys);
  if (!result) throw new CliError('no-provenance', `release ${releaseId} was published without provenance`);
  emit(opts, result, () => describeProvenance(result).join('\n'));
}
