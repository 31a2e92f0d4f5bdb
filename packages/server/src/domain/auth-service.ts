import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { Ports, PrincipalRecord } from '../persistence/persistence.js';

/** `updraft_` + 43 characters: base64url of 32 random bytes. The prefix makes leaked keys easy to scan for. */
export const API_KEY_PATTERN = /^updraft_[A-Za-z0-9_-]{43}$/;

export function generateApiKey(): string {
  return `updraft_${randomBytes(32).toString('base64url')}`;
}

/** Keys are stored only as this hash: a copy of the database does not grant access. */
export function hashApiKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

/** Writing last_used_at on every request would turn reads into writes; a minute is precise enough. */
const TOUCH_INTERVAL_MS = 60_000;

/** Admin API keys. */
export class AuthService {
  constructor(private readonly deps: { store: Ports<'access' | 'leases'>; now: () => number }) {}

  /**
   * On the first start (no key exists) creates the owner key and hands it to `keep` (the
   * data folder writes it to admin.key) before its hash is stored, so a crash in between
   * leaves no key nobody can know. Returns the key when this call created it.
   */
  async ensureOwnerKey(keep: (key: string) => Promise<void>): Promise<string | null> {
    if ((await this.deps.store.access.countApiKeys()) > 0) return null;
    // Several instances may start at once on an empty shared database: one creates the key.
    const holder = randomUUID();
    while (!(await this.deps.store.leases.tryAcquireLease('owner-key-bootstrap', holder, 30_000, this.deps.now()))) {
      await new Promise((r) => setTimeout(r, 100));
      if ((await this.deps.store.access.countApiKeys()) > 0) return null;
    }
    if ((await this.deps.store.access.countApiKeys()) > 0) return null;
    const key = generateApiKey();
    await keep(key);
    await this.deps.store.access.insertApiKey({
      id: randomUUID(),
      name: 'owner',
      keySha256: hashApiKey(key),
      role: 'owner',
      createdAt: new Date(this.deps.now()).toISOString(),
      lastUsedAt: null,
      revokedAt: null,
    });
    return key;
  }

  /**
   * The principal an `Authorization: Bearer <key>` header names, or why there is none
   * (missing, unknown, revoked, expired), so the 401 can say what to do.
   */
  async authenticate(
    authorization: string | undefined,
  ): Promise<{ principal: PrincipalRecord } | { problem: 'missing' | 'unknown' | 'revoked' | 'expired'; at?: string }> {
    if (!authorization) return { problem: 'missing' };
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    if (!match || !API_KEY_PATTERN.test(match[1]!)) return { problem: 'unknown' };
    const record = await this.deps.store.access.findPrincipalBySha256(hashApiKey(match[1]!));
    if (!record) return { problem: 'unknown' };
    if (record.revokedAt) return { problem: 'revoked', at: record.revokedAt };
    const nowMs = this.deps.now();
    if (record.expiresAt && Date.parse(record.expiresAt) <= nowMs) return { problem: 'expired', at: record.expiresAt };
    if (!record.lastUsedAt || nowMs - Date.parse(record.lastUsedAt) > TOUCH_INTERVAL_MS) {
      await this.deps.store.access.touchApiKey(record.id, new Date(nowMs).toISOString());
    }
    return { principal: record };
  }

  /** The organization an app belongs to, or null when it does not exist. */
  orgOfApp(appId: string): Promise<string | null> {
    return this.deps.store.access.getAppOrg(appId);
  }
}
