import {
  chooseRelease,
  isUpdraftError,
  parsePointerCustom,
  pointerTargetPath,
  targetingMismatch,
  type DeviceAttributes,
  type TargetsSigned,
} from '@updraft/protocol';
import { badRequest } from './api-error.js';
import type { Ports } from '../persistence/persistence.js';
import { SignedTargets } from './signed-targets.js';

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
  private readonly store: Ports<'trust'>;
  private readonly targets: SignedTargets;

  /** `targets` is shared with the repository routes; one is made when none is given. */
  constructor(deps: { store: Ports<'trust'>; targets?: SignedTargets }) {
    this.store = deps.store;
    this.targets = deps.targets ?? new SignedTargets(deps);
  }

  /**
   * Per-request cost (unauthenticated): three indexed lookups (app, latest director and
   * releases version), then O(1) map lookups in the cached parse; the documents are read and
   * parsed only once per new version.
   */
  async resolve(appId: string, input: ResolveInput): Promise<Resolved | null> {
    if (!(await this.store.trust.getApp(appId))?.trustInitializedAt) return null;
    const targets = await this.targets.latest(appId);
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
