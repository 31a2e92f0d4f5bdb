import type { accessApi } from '@updraft/api';
import { ROLES, SCOPES, type Role, type Scope } from '@updraft/api/vocabulary';
import type { Command } from 'commander';
import { requireServer } from '../api-client.js';
import { CliError, emit } from '../output.js';
import { run, type GlobalOptions } from '../run.js';

/**
 * `updraft keys api create|list|revoke`: admin API keys of members and CI service accounts.
 * (`keys` also holds the TUF signing-key commands; whichever module runs first creates it.)
 */

interface CreateOptions extends GlobalOptions {
  name: string;
  role: string;
  service?: boolean;
  scopes?: string;
  expires?: string;
  app?: string[];
}

/** "30d", "12h", "90m" or an ISO 8601 time → ISO time. */
export function expiryToIso(value: string, nowMs = Date.now()): string {
  const rel = /^(\d{1,5})([dhm])$/.exec(value.trim());
  if (rel) {
    const unit = { d: 86_400_000, h: 3_600_000, m: 60_000 }[rel[2] as 'd' | 'h' | 'm'];
    return new Date(nowMs + Number(rel[1]) * unit).toISOString();
  }
  const t = Date.parse(value);
  if (!Number.isFinite(t)) {
    throw new CliError('usage', `--expires must be like 30d, 12h, 90m or an ISO 8601 time, not "${value}"`, {
      exitCode: 2,
    });
  }
  return new Date(t).toISOString();
}

function keysCommand(program: Command): Command {
  return (
    program.commands.find((c) => c.name() === 'keys') ??
    program.command('keys').description('signing keys and admin API keys')
  );
}

export function registerKeysApi(program: Command): void {
  const api = keysCommand(program).command('api').description('admin API keys (members and CI service accounts)');

  api
    .command('create')
    .description('create an API key; prints {id, key} — the key is shown only this once')
    .requiredOption('--name <name>', 'who or what uses it')
    .requiredOption('--role <role>', [...ROLES].reverse().join(' | '))
    .option('--service', 'a CI service account (may change protected channels unless viewer)')
    .option('--scopes <list>', `comma-separated: ${SCOPES.join(', ')} (default: all the role allows but witness)`)
    .option('--expires <when>', "expiry: 30d, 12h, 90m or an ISO 8601 time (default: never, or your own key's expiry)")
    .option(
      '--app <appId>',
      'limit the key to this app (repeat for several); every other app answers 404 (default: every app)',
      (value: string, previous: string[] | undefined) => [...(previous ?? []), value],
    )
    .action(
      run<[], CreateOptions>(async (opts) => {
        // Unknown roles and scopes go to the server as given: it refuses them with a message that lists the names.
        const body: accessApi.CreateKeyBody = {
          name: opts.name,
          role: opts.role as Role,
          kind: opts.service ? 'service' : 'member',
        };
        if (opts.scopes !== undefined)
          body.scopes = opts.scopes
            .split(',')
            .map((s) => s.trim())
            .filter(Boolean) as Scope[];
        if (opts.expires !== undefined) body.expiresAt = expiryToIso(opts.expires);
        if (opts.app !== undefined) body.apps = opts.app;
        const created = await requireServer(opts).call('POST /v1/keys', { body });
        emit(
          opts,
          {
            id: created.id,
            key: created.key,
            name: created.name,
            role: created.role,
            kind: created.kind,
            scopes: created.scopes,
            expiresAt: created.expiresAt,
            apps: created.apps,
          },
          () =>
            [
              `created ${created.kind} key "${created.name}" (${created.role}), id ${created.id}` +
                (created.apps ? `, limited to ${created.apps.join(', ')}` : ''),
              `key (shown once, store it now): ${created.key}`,
            ].join('\n'),
        );
      }),
    );

  api
    .command('list')
    .description("the organization's API keys (never the keys themselves)")
    .action(
      run<[], GlobalOptions>(async (opts) => {
        const result = await requireServer(opts).call('GET /v1/keys');
        emit(opts, result, () =>
          result.keys
            .map(
              (k) =>
                `${k.id}\t${k.name}\t${k.kind}\t${k.role}\t${k.scopes.join(',')}\t` +
                `${k.apps ? `apps ${k.apps.join(',')}` : 'every app'}\t` +
                `${k.revokedAt ? `revoked ${k.revokedAt}` : k.expiresAt ? `expires ${k.expiresAt}` : 'no expiry'}\t` +
                `last used ${k.lastUsedAt ?? 'never'}`,
            )
            .join('\n'),
        );
      }),
    );

  api
    .command('revoke <id>')
    .description('revoke an API key at once')
    .action(
      run<[string], GlobalOptions>(async (id, opts) => {
        const result = await requireServer(opts).call('DELETE /v1/keys/:keyId', { params: { keyId: id } });
        emit(opts, result, () => `revoked ${result.name} (${result.id}) at ${result.revokedAt}`);
      }),
    );
}
