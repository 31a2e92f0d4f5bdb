import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { withDefaults, type ExpiryPolicy } from '@updraft/server';
import { requireServer, type AdminApi } from '../api-client.js';
import { defaultKeysDir } from '../keys-dir.js';
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

export async function readAnchor(path: string): Promise<Uint8Array> {
  try {
    return new Uint8Array(await readFile(path));
  } catch {
    throw new CliError(
      'no-trust-anchor',
      `no trust anchor at ${path}; pass --root with the app's root.json (or --keys with the folder 'updraft apps create' wrote)`,
    );
  }
}

export async function openApp(opts: AppOptions): Promise<AppContext> {
  const appId = opts.app;
  const api = requireServer(opts);
  const keysDir = resolve(opts.keys ?? defaultKeysDir(appId));
  const anchorPath = resolve(opts.root ?? join(keysDir, 'root.json'));
  const repo = await loadVerifiedRepo(api.server, appId, await readAnchor(anchorPath));
  const policy = withDefaults(
    await api.request<Partial<ExpiryPolicy>>('GET', `/v1/apps/${encodeURIComponent(appId)}/expiry`),
  );
  return { appId, api, keysDir, anchorPath, repo, policy };
}

/** Expired roles, and offline roles (which only the publisher can renew) within the warning window. */
export function expiryWarnings(repo: VerifiedRepo, policy: ExpiryPolicy, nowMs: number): string[] {
  const warnings: string[] = [];
  for (const [role, expires] of Object.entries(expiries(repo)) as [RepoRole, string][]) {
    const left = Date.parse(expires) - nowMs;
    if (left <= 0) warnings.push(`${role} metadata expired at ${expires}; devices refuse it until it is re-signed`);
    else if ((role === 'root' || role === 'targets' || role === 'releases') && left < policy.warnBefore * 1000) {
      const days = Math.max(1, Math.floor(left / 86_400_000));
      warnings.push(
        `${role} metadata expires in ${days} day(s) (${expires}); renew it with: updraft refresh --app ${repo.appId} --keys <dir>`,
      );
    }
  }
  return warnings;
}
