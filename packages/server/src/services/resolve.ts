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
  constructor(private readonly deps: { store: MetadataStore }) {}

  async resolve(appId: string, input: ResolveInput): Promise<Resolved | null> {
    const { store } = this.deps;
    if (!(await store.getApp(appId))?.trustInitializedAt) return null;
    const director = await store.getLatestMetadata(appId, 'director');
    const releases = await store.getLatestMetadata(appId, 'releases');
    if (!director || !releases) return null;
    const directorSigned = parseTargets(parseJsonObject(director.bytes, 'director.json'), 'director').signed;
    const releasesSigned = parseTargets(parseJsonObject(releases.bytes, 'releases.json'), 'releases').signed;
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
