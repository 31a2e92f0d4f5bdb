import { appNotFound, badRequest } from './api-error.js';
import type { OnlineRole, Ports, Transactional } from '../persistence/persistence.js';
import {
  EXPIRY_FIELDS,
  MAX_LIFETIME_S,
  MIN_LIFETIME_S,
  withDefaults,
  type ExpiryField,
  type ExpiryPolicy,
} from '@updraft/signing';
import type { Actor } from './access.js';
import { appendAudit } from './audit-service.js';
import { resignExpiring, resignOnlineRolesIn } from './online-signing.js';
import { withResignRetry } from './resign-retry.js';

/** Per-app metadata lifetimes, and re-signing on demand (what `updraft refresh` and cron call). */
export class ExpiryService {
  constructor(
    private readonly deps: {
      store: Transactional<'trust' | 'releases' | 'rollout' | 'access' | 'transparencyLog'>;
      now: () => number;
    },
  ) {}

  private async requireApp(appId: string): Promise<void> {
    if (!(await this.deps.store.trust.getApp(appId))) throw appNotFound(appId);
  }

  async getPolicy(appId: string): Promise<ExpiryPolicy> {
    await this.requireApp(appId);
    return withDefaults(await this.deps.store.trust.getExpiryPolicy(appId));
  }

  /**
   * Sets some lifetimes (seconds) and re-signs the online roles at once, so devices see the
   * new lifetimes now rather than at the next scheduled re-signing; audited as `trust.expiry`
   * in the same transaction.
   */
  async setPolicy(
    actor: Actor,
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
    const nowMs = this.deps.now();
    return withResignRetry(this.deps.store, appId, async (tx) => {
      const before = (await tx.trust.getExpiryPolicy(appId)) ?? {};
      const merged = { ...before, ...change };
      await tx.trust.putExpiryPolicy(appId, merged, new Date(nowMs).toISOString());
      const resigned = await resignOnlineRolesIn(tx, appId, nowMs);
      const details = { before: withDefaults(before), after: withDefaults(merged), resigned };
      await appendAudit(tx, actor, { appId, action: 'trust.expiry', target: `app:${appId}`, details }, nowMs);
      return { ...withDefaults(merged), resigned };
    });
  }

  /** Re-signs the online roles less than half of whose lifetime is left (all with force); audited as `trust.resign`. */
  async refresh(actor: Actor, appId: string, force: boolean): Promise<{ resigned: OnlineRole[] }> {
    await this.requireApp(appId);
    const nowMs = this.deps.now();
    const audit = (tx: Ports<'access'>, resigned: OnlineRole[]) =>
      appendAudit(
        tx,
        actor,
        { appId, action: 'trust.resign', target: `app:${appId}`, details: { force, resigned } },
        nowMs,
      );
    const resigned = force
      ? await withResignRetry(this.deps.store, appId, async (tx) => {
          const roles = await resignOnlineRolesIn(tx, appId, nowMs);
          if (roles.length > 0) await audit(tx, roles);
          return roles;
        })
      : await resignExpiring(this.deps.store, appId, nowMs, async (tx, roles) => void (await audit(tx, roles)));
    return { resigned };
  }
}
