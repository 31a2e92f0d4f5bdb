import { appNotFound, badRequest } from '../api-error.js';
import type { MetadataStore, OnlineRole } from '../store/index.js';
import {
  EXPIRY_FIELDS,
  MAX_LIFETIME_S,
  MIN_LIFETIME_S,
  withDefaults,
  type ExpiryField,
  type ExpiryPolicy,
} from '@updraft/signing';
import { resignExpiring, resignOnlineRoles } from './online-signing.js';

/** Per-app metadata lifetimes, and re-signing on demand (what `updraft refresh` and cron call). */
export class ExpiryService {
  constructor(private readonly deps: { store: MetadataStore; now: () => number }) {}

  private async requireApp(appId: string): Promise<void> {
    if (!(await this.deps.store.getApp(appId))) throw appNotFound(appId);
  }

  async getPolicy(appId: string): Promise<ExpiryPolicy> {
    await this.requireApp(appId);
    return withDefaults(await this.deps.store.getExpiryPolicy(appId));
  }

  /**
   * Sets some lifetimes (seconds) and re-signs the online roles at once, so devices see the
   * new lifetimes now rather than at the next scheduled re-signing.
   */
  async setPolicy(
    appId: string,
    change: Partial<Record<ExpiryField, number>>,
  ): Promise<ExpiryPolicy & { resigned: OnlineRole[] }> {
    await this.requireApp(appId);
    for (const [field, value] of Object.entries(change)) {
      if (!(EXPIRY_FIELDS as readonly string[]).includes(field)) {
        throw badRequest('invalid-request', `unknown lifetime "${field}"; use one of ${EXPIRY_FIELDS.join(', ')}`);
      }
      if (!Number.isSafeInteger(value) || value < MIN_LIFETIME_S || value > MAX_LIFETIME_S) {
        throw badRequest(
          'invalid-request',
          `${field} must be a whole number of seconds from ${MIN_LIFETIME_S} to ${MAX_LIFETIME_S}`,
        );
      }
    }
    const { store } = this.deps;
    const nowMs = this.deps.now();
    const merged = { ...((await store.getExpiryPolicy(appId)) ?? {}), ...change };
    await store.putExpiryPolicy(appId, merged, new Date(nowMs).toISOString());
    const resigned = await resignOnlineRoles(store, appId, nowMs);
    return { ...withDefaults(merged), resigned };
  }

  /** Re-signs the online roles less than half of whose lifetime is left. */
  async refresh(appId: string, force: boolean): Promise<{ resigned: OnlineRole[] }> {
    await this.requireApp(appId);
    const nowMs = this.deps.now();
    const resigned = force
      ? await resignOnlineRoles(this.deps.store, appId, nowMs)
      : await resignExpiring(this.deps.store, appId, nowMs);
    return { resigned };
  }
}
