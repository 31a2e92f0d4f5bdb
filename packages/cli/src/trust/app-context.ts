import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { OFFLINE_ROLES, ROOT_ROLE } from '@updraft/protocol';
import { LOG_PIN_FIELD } from '@updraft/protocol/transparency';
import { defaultKeysDir, type ExpiryPolicy, withDefaults } from '@updraft/signing';
import { requireServer, type AdminApi } from '../api-client.js';
import { CliError } from '../output.js';
import type { GlobalOptions } from '../run.js';
import { expiries, loadVerifiedRepo, type RepoRole, type VerifiedRepo } from './verified-repo.js';

/** What every trust command needs: the admin API, the key folder, and the verified repository. */

export interface AppOptions extends GlobalOptions {
  app: string;
  keys?: string;
  root?: string;
}

export interface AppContext {
  appId: string;
  api: AdminApi;
  keysDir: string;
  anchorPath: string;
  repo: VerifiedRepo;
  policy: ExpiryPolicy;
}

/**
 * Reads a trust anchor and says plainly when it is the wrong file: not JSON, a private key,
 * another metadata role, or the root.json of another app (root pins the app's log origin,
 * `updraft/<appId>`, so the app it belongs to is signed into it). Without this, a wrong file
 * surfaces much later as "no valid signature", which reads like an attack.
 */
export async function readAnchor(path: string, appId?: string): Promise<Uint8Array> {
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(await readFile(path));
  } catch {
    throw new CliError(
      'no-trust-anchor',
      `no trust anchor at ${path}; pass --root with the app's root.json (or --keys with the folder 'updraft apps create' wrote)`,
    );
  }
  const owner = anchorApp(bytes, path);
  if (appId !== undefined && owner !== null && owner !== appId) {
    throw new CliError(
      'wrong-trust-anchor',
      `${path} is the root.json of app ${owner}, not of ${appId}; pass the root.json that 'updraft apps create ${appId}' wrote`,
    );
  }
  return bytes;
}

const ANCHOR_HINT = "pass the root.json that 'updraft apps create' wrote";

/** The app a root.json belongs to (null when it pins no log), or a CliError naming what the file is instead. */
export function anchorApp(bytes: Uint8Array, path: string): string | null {
  let doc: unknown;
  try {
    doc = JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    throw new CliError('not-a-root', `${path} is not JSON, so not a root.json; ${ANCHOR_HINT}`);
  }
  const obj = (typeof doc === 'object' && doc !== null ? doc : {}) as Record<string, unknown>;
  if (typeof obj['private'] === 'string' && typeof obj['keyid'] === 'string') {
    throw new CliError(
      'not-a-root',
      `${path} is a private key file, not a root.json; ${ANCHOR_HINT} (and never ship a private key in an app)`,
    );
  }
  const signed = obj['signed'] as Record<string, unknown> | undefined;
  const type = typeof signed === 'object' && signed !== null ? signed['_type'] : undefined;
  if (type !== ROOT_ROLE) {
    const what = typeof type === 'string' ? `${type} metadata` : 'not TUF metadata';
    throw new CliError('not-a-root', `${path} is ${what}, not a root.json; ${ANCHOR_HINT}`);
  }
  const origin = (signed![LOG_PIN_FIELD] as { origin?: unknown } | undefined)?.origin;
  return typeof origin === 'string' && origin.startsWith('updraft/') ? origin.slice('updraft/'.length) : null;
}

/**
 * Before a publish signs anything: a key folder whose root.json belongs to another app is the
 * wrong --keys, not a hostile server (what a failed signature check on the server's metadata
 * would otherwise suggest). A folder without root.json is left to the later checks.
 */
export async function assertKeysFolderFor(keysDir: string, appId: string): Promise<void> {
  const path = join(keysDir, 'root.json');
  const bytes = await readFile(path).catch(() => null);
  if (!bytes) return;
  const owner = anchorApp(new Uint8Array(bytes), path);
  if (owner !== null && owner !== appId) {
    throw new CliError(
      'wrong-keys',
      `${keysDir} holds the keys of app ${owner}, not of ${appId}; pass --keys with the folder 'updraft apps create ${appId}' wrote (default ./updraft-keys/${appId})`,
    );
  }
}

export async function openApp(opts: AppOptions): Promise<AppContext> {
  const appId = opts.app;
  const api = requireServer(opts);
  const keysDir = resolve(opts.keys ?? defaultKeysDir(appId));
  const anchorPath = resolve(opts.root ?? join(keysDir, 'root.json'));
  const repo = await loadVerifiedRepo(api.server, appId, await readAnchor(anchorPath, appId));
  const policy = withDefaults(await api.call('GET /v1/apps/:appId/expiry', { params: { appId } }));
  return { appId, api, keysDir, anchorPath, repo, policy };
}

/** Expired roles, and offline roles (which only the publisher can renew) within the warning window. */
export function expiryWarnings(repo: VerifiedRepo, policy: ExpiryPolicy, nowMs: number): string[] {
  const warnings: string[] = [];
  for (const [role, expires] of Object.entries(expiries(repo)) as [RepoRole, string][]) {
    const left = Date.parse(expires) - nowMs;
    if (left <= 0) warnings.push(`${role} metadata expired at ${expires}; devices refuse it until it is re-signed`);
    else if ((OFFLINE_ROLES as readonly string[]).includes(role) && left < policy.warnBefore * 1000) {
      const days = Math.max(1, Math.floor(left / 86_400_000));
      warnings.push(
        `${role} metadata expires in ${days} day(s) (${expires}); renew it with: updraft refresh --app ${repo.appId} --keys <dir>`,
      );
    }
  }
  return warnings;
}
