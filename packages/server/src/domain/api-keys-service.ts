import type { accessApi } from '@updraft/api';
import { randomUUID } from 'node:crypto';
import { badRequest, conflict, forbidden, notFound } from './api-error.js';
import type { OrganizationRecord, PrincipalRecord, Transactional } from '../persistence/persistence.js';
import { boundedGrant, mayReachApp, roleRank, SCOPES, type Actor } from './access.js';
import { appendAudit } from './audit-service.js';
import { cancelPendingStarts } from './schedules.js';
import { DEFAULT_ORG_ID } from '../persistence/migrations/sqlite/0003-control-plane.sqlite.js';
import { generateApiKey, hashApiKey } from './auth-service.js';

/** What a key looks like to an admin: never the key or its hash. */
export type ApiKeySummary = accessApi.ApiKeySummary;

export type CreateKeyInput = accessApi.CreateKeyBody;

function summary(p: PrincipalRecord): ApiKeySummary {
  return {
    id: p.id,
    name: p.name,
    kind: p.kind,
    role: p.role,
    scopes: p.scopes,
    createdAt: p.createdAt,
    createdBy: p.createdBy,
    expiresAt: p.expiresAt,
    lastUsedAt: p.lastUsedAt,
    revokedAt: p.revokedAt,
    apps: p.apps,
  };
}

/** Members, CI service accounts and their API keys; organizations. */
export class ApiKeysService {
  constructor(private readonly deps: { store: Transactional<'rollout' | 'access'>; now: () => number }) {}

  private validScopes(scopes: string[] | undefined): string[] | undefined {
    if (scopes === undefined || scopes.length === 0) return undefined;
    for (const s of scopes) {
      if (s !== '*' && !(SCOPES as readonly string[]).includes(s)) {
        throw badRequest(
          'invalid-request',
          `body.scopes has an unknown scope "${s}"; use * or any of ${SCOPES.join(', ')}`,
        );
      }
    }
    return [...new Set(scopes)].sort();
  }

  /** Returns the key once; only its SHA-256 is stored. */
  async create(actor: Actor, input: CreateKeyInput): Promise<ApiKeySummary & { key: string }> {
    const nowMs = this.deps.now();
    if (input.expiresAt !== undefined) {
      const t = Date.parse(input.expiresAt);
      if (!Number.isFinite(t))
        throw badRequest('invalid-request', 'body.expiresAt must be an ISO 8601 date-time, e.g. 2027-01-31T00:00:00Z');
      if (t <= nowMs)
        throw badRequest('invalid-request', `body.expiresAt ${input.expiresAt} is in the past; give a future time`);
    }
    const grant = boundedGrant(actor, {
      role: input.role,
      scopes: this.validScopes(input.scopes),
      expiresAt: input.expiresAt,
      apps: input.apps,
    });
    if (grant.apps !== null) {
      const mine = new Set(await this.deps.store.access.listAppIds(actor.orgId));
      const unknown = grant.apps.filter((a) => !mine.has(a));
      if (grant.apps.length === 0 || unknown.length > 0) {
        throw badRequest(
          'invalid-request',
          grant.apps.length === 0
            ? 'body.apps is empty; name at least one app, or leave it out for every app'
            : `body.apps names ${unknown.join(', ')}, not an app of this organization; list them with GET /v1/apps`,
        );
      }
    }
    const key = generateApiKey();
    const record: PrincipalRecord = {
      id: randomUUID(),
      orgId: actor.orgId,
      name: input.name,
      kind: input.kind ?? 'member',
      role: grant.role,
      scopes: grant.scopes,
      keySha256: hashApiKey(key),
      createdAt: new Date(nowMs).toISOString(),
      createdBy: actor.id,
      expiresAt: grant.expiresAt,
      lastUsedAt: null,
      revokedAt: null,
      apps: grant.apps,
    };
    await this.deps.store.transaction(async (tx) => {
      await tx.access.insertPrincipal(record);
      await appendAudit(
        tx,
        actor,
        {
          action: 'key.create',
          target: `key:${record.id}`,
          details: {
            name: record.name,
            role: record.role,
            kind: record.kind,
            scopes: record.scopes,
            expiresAt: record.expiresAt,
            apps: record.apps,
          },
        },
        nowMs,
      );
    });
    return { ...summary(record), key };
  }

  async list(actor: Actor): Promise<ApiKeySummary[]> {
    return (await this.deps.store.access.listPrincipals(actor.orgId)).map(summary);
  }

  async revoke(actor: Actor, id: string): Promise<ApiKeySummary> {
    const nowMs = this.deps.now();
    return this.deps.store.transaction(async (tx) => {
      const p = await tx.access.getPrincipal(id);
      if (!p || p.orgId !== actor.orgId)
        throw notFound('key-not-found', `no API key ${id} in this organization; list them with GET /v1/keys`);
      if (roleRank(p.role) > roleRank(actor.role)) {
        throw forbidden('forbidden-role', `a ${actor.role} cannot revoke a ${p.role} key`);
      }
      if (p.revokedAt) throw conflict('key-revoked', `API key ${id} was already revoked at ${p.revokedAt}`);
      const at = new Date(nowMs).toISOString();
      await tx.access.revokePrincipal(id, at);
      const cancelled = await cancelPendingStarts(tx, actor, id, `the key "${p.name}" was revoked`, nowMs);
      await appendAudit(
        tx,
        actor,
        {
          action: 'key.revoke',
          target: `key:${id}`,
          details: { name: p.name, role: p.role, cancelledSchedules: cancelled },
        },
        nowMs,
      );
      return summary({ ...p, revokedAt: at });
    });
  }

  async organization(actor: Actor): Promise<OrganizationRecord & { apps: string[] }> {
    const org = await this.deps.store.access.getOrganization(actor.orgId);
    if (!org) throw new Error(`organization ${actor.orgId} of key ${actor.id} does not exist`);
    const apps = (await this.deps.store.access.listAppIds(actor.orgId)).filter((a) => mayReachApp(actor, a));
    return { ...org, apps: apps.sort() };
  }

  /** A new, separate organization with its first owner key (shown once). */
  async createOrganization(
    actor: Actor,
    input: { id: string; name: string },
  ): Promise<OrganizationRecord & { ownerKey: { id: string; key: string } }> {
    const nowMs = this.deps.now();
    // Only the server's first organization (its operator) creates others: an owner of a
    // tenant organization must not be able to multiply tenants.
    const first = DEFAULT_ORG_ID;
    if (actor.orgId !== first || actor.apps) {
      throw forbidden(
        'forbidden-org',
        `only an owner of the server's first organization ("${first}") with a key for every app may create organizations`,
      );
    }
    const createdAt = new Date(nowMs).toISOString();
    const key = generateApiKey();
    const ownerId = randomUUID();
    await this.deps.store.transaction(async (tx) => {
      if (!(await tx.access.createOrganization({ id: input.id, name: input.name, createdAt }))) {
        throw conflict('org-exists', `organization "${input.id}" already exists; choose another id`);
      }
      await tx.access.insertPrincipal({
        id: ownerId,
        orgId: input.id,
        name: `${input.id} owner`,
        kind: 'member',
        role: 'owner',
        scopes: ['*'],
        keySha256: hashApiKey(key),
        createdAt,
        createdBy: actor.id,
        expiresAt: null,
        lastUsedAt: null,
        revokedAt: null,
        apps: null,
      });
      await appendAudit(
        tx,
        actor,
        { action: 'org.create', target: `org:${input.id}`, details: { name: input.name } },
        nowMs,
      );
    });
    return { id: input.id, name: input.name, createdAt, ownerKey: { id: ownerId, key } };
  }
}
