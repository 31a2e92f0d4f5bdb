import { EXPO_NO_UPDATE_DIRECTIVE, isIdentifier, type ExpoRequest } from '@updraft/protocol';
import { ApiError } from '../api-error.js';
import { DEFAULT_CHANNELS } from '../apps-service.js';
import type { ResolveService } from '../resolve-service.js';
import type { Ports } from '../../persistence/persistence.js';
import type { ExpoUpdate } from '../../persistence/expo/expo-store.js';

/** A body the publisher signed (or left unsigned), served exactly as stored. */
export interface SignedBody {
  body: string;
  signature: string | null;
  keyId: string | null;
}

export type ExpoAnswer =
  | { kind: 'manifest'; update: ExpoUpdate }
  | { kind: 'directive'; directive: SignedBody }
  /** `directive` is the signed noUpdateAvailable, or null when the app signs nothing (then a 204). */
  | { kind: 'no-update'; directive: SignedBody | null };

const later = (a: string, b: string) => Date.parse(a) > Date.parse(b);

/**
 * The device side of the Expo front door. Which release a device gets is decided exactly as
 * for Updraft's own devices (ResolveService over the signed director: rollout bucket from
 * eas-client-id and the pointer's salt, halt, targeting, previous release); this only maps
 * that release to the Expo update the publisher signed for it, or to a signed directive.
 *
 * Per-request cost, unauthenticated: the resolve (cached parse) and at most four indexed
 * lookups (update of the release, rollback directive, the device's current update, signing
 * keys). Nothing is signed here: the server holds no key that could.
 */
export class ExpoDeviceService {
  constructor(private readonly deps: { store: Ports<'trust' | 'expo'>; resolve: ResolveService }) {}

  async answer(appId: string, req: ExpoRequest): Promise<ExpoAnswer> {
    const { store } = this.deps;
    if (!(await store.trust.getApp(appId))) {
      throw new ApiError('app-not-found', `no app "${appId}" on this server; check updates.url in app.json`);
    }
    const channel = req.channel ?? DEFAULT_CHANNELS[0];
    // Runtime versions that cannot name a channel pointer have no update here.
    if (!isIdentifier(req.runtimeVersion)) return this.noUpdate(appId, null);
    const resolved = await this.deps.resolve.resolve(appId, {
      channel,
      platform: req.platform,
      runtimeVersion: req.runtimeVersion,
      // Devices without an id share one bucket: they get what a rollout has reached for it.
      deviceId: req.clientId ?? '',
    });
    const update = resolved?.release ? await store.expo.getUpdate(appId, resolved.release.releaseId) : null;
    const rollback = await store.expo.getRollback(appId, channel, req.platform, req.runtimeVersion);
    if (rollback && (!update || later(rollback.commitTime, update.createdAt))) {
      // Protocol 0 has no directives; a device already on its embedded update needs nothing.
      const onEmbedded = req.currentUpdateId !== null && req.currentUpdateId === req.embeddedUpdateId;
      if (req.protocolVersion === 0 || onEmbedded) return this.noUpdate(appId, update);
      return {
        kind: 'directive',
        directive: { body: rollback.directive, signature: rollback.signature, keyId: rollback.keyId },
      };
    }
    if (!update) return this.noUpdate(appId, null);
    if (req.currentUpdateId === update.updateId) {
      // The reference server re-serves the manifest to protocol 0, which has no directive.
      return req.protocolVersion === 0 ? { kind: 'manifest', update } : this.noUpdate(appId, update);
    }
    if (req.currentUpdateId !== null) {
      // A device on a newer update (a rollout that shrank or halted after it installed) keeps
      // it: expo-updates only ever moves forward in createdAt.
      const current = await store.expo.getUpdateById(appId, req.currentUpdateId);
      if (current && !later(update.createdAt, current.createdAt)) return this.noUpdate(appId, update);
    }
    return { kind: 'manifest', update };
  }

  /** The noUpdateAvailable directive under the key the device's update was signed with (else the newest key). */
  private async noUpdate(appId: string, near: ExpoUpdate | null): Promise<ExpoAnswer> {
    const keys = await this.deps.store.expo.listSigningKeys(appId);
    const key = keys.find((k) => k.keyId === near?.keyId) ?? keys[0];
    return {
      kind: 'no-update',
      directive: key ? { body: EXPO_NO_UPDATE_DIRECTIVE, signature: key.noUpdateSignature, keyId: key.keyId } : null,
    };
  }
}
