import { parseJsonObject, parseTargets, type TargetsSigned, DIRECTOR_ROLE, RELEASES_ROLE } from '@updraft/protocol';
import { BoundedCache } from './bounded-cache.js';
import type { Ports } from '../persistence/persistence.js';

/** An app's latest signed director and releases, parsed, with the versions they came from. */
export interface ParsedTargets {
  directorVersion: number;
  releasesVersion: number;
  director: TargetsSigned;
  releases: TargetsSigned;
  /** SHA-256 → signed length of every target of both roles: the app's small JSON documents. */
  documents: Map<string, number>;
  weight: number;
}

/**
 * The latest signed director and releases of each app, parsed once per new version and
 * shared by the unauthenticated routes (device resolve, repository targets). The releases
 * role lists up to a few releases per (platform, runtimeVersion) plus those in use, so parsing
 * it per request would still cost far more than a lookup; weighed by document size, 64 MiB in all.
 *
 * Per call: two indexed lookups (the latest director and releases versions), then the cached
 * parse; devices arriving together after a publish share one read and parse.
 */
export class SignedTargets {
  private readonly parsed = new BoundedCache<ParsedTargets>(64 * 1024 * 1024, (p) => p.weight);
  private readonly loading = new Map<string, Promise<ParsedTargets | null>>();

  constructor(private readonly deps: { store: Ports<'trust'> }) {}

  async latest(appId: string): Promise<ParsedTargets | null> {
    const { store } = this.deps;
    const [directorVersion, releasesVersion] = await Promise.all([
      store.trust.getLatestMetadataVersion(appId, DIRECTOR_ROLE),
      store.trust.getLatestMetadataVersion(appId, RELEASES_ROLE),
    ]);
    if (directorVersion === null || releasesVersion === null) return null;
    const hit = this.parsed.get(appId);
    if (hit?.directorVersion === directorVersion && hit.releasesVersion === releasesVersion) return hit;
    const key = `${appId}@${directorVersion}.${releasesVersion}`;
    let pending = this.loading.get(key);
    if (!pending) {
      pending = this.load(appId, directorVersion, releasesVersion).finally(() => this.loading.delete(key));
      this.loading.set(key, pending);
    }
    return pending;
  }

  /**
   * The signed length of `sha256` when it is a target of the app's signed releases or director
   * (a release manifest or a channel pointer's manifest: small JSON), else null. What the
   * bytes are is decided here, from signed metadata, never from the URL that asked for them.
   */
  async documentLength(appId: string, sha256: string): Promise<number | null> {
    return (await this.latest(appId))?.documents.get(sha256) ?? null;
  }

  private async load(appId: string, directorVersion: number, releasesVersion: number): Promise<ParsedTargets | null> {
    const { store } = this.deps;
    const [director, releases] = await Promise.all([
      store.trust.getMetadata(appId, DIRECTOR_ROLE, directorVersion),
      store.trust.getMetadata(appId, RELEASES_ROLE, releasesVersion),
    ]);
    if (!director || !releases) return null;
    const directorSigned = parseTargets(parseJsonObject(director.bytes, 'director.json'), DIRECTOR_ROLE).signed;
    const releasesSigned = parseTargets(parseJsonObject(releases.bytes, 'releases.json'), RELEASES_ROLE).signed;
    const documents = new Map<string, number>();
    for (const role of [releasesSigned, directorSigned]) {
      for (const target of Object.values(role.targets)) {
        const sha256 = target.hashes['sha256'];
        if (sha256) documents.set(sha256, target.length);
      }
    }
    const parsed: ParsedTargets = {
      directorVersion,
      releasesVersion,
      director: directorSigned,
      releases: releasesSigned,
      documents,
      // Parsed JSON takes a few times its text; the text length keeps the ratio between apps.
      weight: director.bytes.length + releases.bytes.length,
    };
    this.parsed.set(appId, parsed);
    return parsed;
  }
}
