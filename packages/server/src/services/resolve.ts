import {
  chooseRelease,
  isUpdraftError,
  parseJsonObject,
  parsePointerCustom,
  parseTargets,
  pointerTargetPath,
  targetingMismatch,
  type DeviceAttributes,
  type TargetsSigned,
} from '@updraft/protocol';
import { badRequest } from '../api-error.js';
import { BoundedCache } from '../bounded-cache.js';
import type { MetadataStore } from '../store/index.js';

export interface ResolveInput {
  channel: string;
  platform: string;
  runtimeVersion: string;
  deviceId: string;
  attributes?: DeviceAttributes;
}

export interface Resolved {
  release: {
    releaseId: string;
    versionCode: number;
    manifestSha256: string;
    manifestLength: number;
    mandatory: boolean;
    servedFrom: 'current' | 'previous';
  } | null;
  /** Why the current release is not for this device, when it is not. */
  reason: string | null;
}

/**
 * Dynamic mode: the server answers "which release is for this device?" with the same
 * `chooseRelease` a device runs over the same signed director and releases (static mode),
 * so both always agree. Devices must still verify the answer through TUF.
 */
export class ResolveService {
  /**
   * The parsed director and releases of each app, with the versions they were parsed from.
   * The releases role lists every release ever published, so parsing it per request would
   * make a device check cost O(history); weighed by document size, 64 MiB in all.
   */
  private readonly parsed = new BoundedCache<ParsedTargets>(64 * 1024 * 1024, (p) => p.weight);

  private readonly loading = new Map<string, Promise<ParsedTargets | null>>();

  constructor(private readonly deps: { store: MetadataStore }) {}

  /**
   * Per-request cost (unauthenticated): three indexed lookups (app, latest director and
   * releases version), then O(1) map lookups in the cached parse; the documents are read and
   * parsed only once per new version.
   */
  async resolve(appId: string, input: ResolveInput): Promise<Resolved | null> {
    const { store } = this.deps;
    if (!(await store.getApp(appId))?.trustInitializedAt) return null;
    const targets = await this.latestTargets(appId);
    if (!targets) return null;
    const { director: directorSigned, releases: releasesSigned } = targets;
    try {
      const chosen = chooseRelease(directorSigned, releasesSigned, { appId, ...input });
      return {
        release: chosen
          ? {
              releaseId: chosen.release.releaseId,
              versionCode: chosen.release.versionCode,
              manifestSha256: chosen.sha256,
              manifestLength: chosen.target.length,
              mandatory: chosen.servedFrom === 'current' ? chosen.pointer.mandatory : false,
              servedFrom: chosen.servedFrom,
            }
          : null,
        reason: chosen?.servedFrom === 'current' ? null : explain(directorSigned, input),
      };
    } catch (err) {
      if (isUpdraftError(err)) throw badRequest('invalid-request', err.message);
      throw err;
    }
  }

  private async latestTargets(appId: string): Promise<ParsedTargets | null> {
    const { store } = this.deps;
    const [directorVersion, releasesVersion] = await Promise.all([
      store.getLatestMetadataVersion(appId, 'director'),
      store.getLatestMetadataVersion(appId, 'releases'),
    ]);
    if (directorVersion === null || releasesVersion === null) return null;
    const hit = this.parsed.get(appId);
    if (hit?.directorVersion === directorVersion && hit.releasesVersion === releasesVersion) return hit;
    // Devices arriving together after a publish share one read and parse.
    const key = `${appId}@${directorVersion}.${releasesVersion}`;
    let pending = this.loading.get(key);
    if (!pending) {
      pending = this.load(appId, directorVersion, releasesVersion).finally(() => this.loading.delete(key));
      this.loading.set(key, pending);
    }
    return pending;
  }

  private async load(appId: string, directorVersion: number, releasesVersion: number): Promise<ParsedTargets | null> {
    const { store } = this.deps;
    const [director, releases] = await Promise.all([
      store.getMetadata(appId, 'director', directorVersion),
      store.getMetadata(appId, 'releases', releasesVersion),
    ]);
    if (!director || !releases) return null;
    const parsed: ParsedTargets = {
      directorVersion,
      releasesVersion,
      director: parseTargets(parseJsonObject(director.bytes, 'director.json'), 'director').signed,
      releases: parseTargets(parseJsonObject(releases.bytes, 'releases.json'), 'releases').signed,
      // Parsed JSON takes a few times its text; the text length keeps the ratio between apps.
      weight: director.bytes.length + releases.bytes.length,
    };
    this.parsed.set(appId, parsed);
    return parsed;
  }
}

interface ParsedTargets {
  directorVersion: number;
  releasesVersion: number;
  director: TargetsSigned;
  releases: TargetsSigned;
  weight: number;
}

function explain(director: TargetsSigned, input: ResolveInput): string {
  const path = pointerTargetPath(input.channel, input.platform, input.runtimeVersion);
  const target = director.targets[path];
  if (!target) return 'the channel serves nothing for this platform and runtimeVersion';
  const pointer = parsePointerCustom(target.custom, path);
  return (
    targetingMismatch(pointer.targeting, input.attributes) ??
    `the device is outside the rollout (${pointer.rollout.basisPoints / 100} %)`
  );
}
