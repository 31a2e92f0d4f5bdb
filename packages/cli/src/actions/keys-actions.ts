import { chmod, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { DIRECTOR_ROLE, RELEASES_ROLE, type RoleKeys } from '@updraft/protocol';
import {
  addSignatures,
  BUNDLE_ROLES,
  type BundleRole,
  defaultKeysDir,
  describeNeeds,
  missingSignatures,
  signBundle,
  generateKeyFile,
  publicKeyOf,
  readRotation,
  signersFrom,
  type SignerOptions,
} from '@updraft/signing';
import { keyAlgorithmOption } from '../keys-dir.js';
import { CliError, colour, emit } from '../output.js';
import type { GlobalOptions } from '../run.js';
import { openApp, expiryWarnings, readAnchor, type AppOptions } from '../trust/app-context.js';
import { readBundle, writeBundle } from '../trust/bundle.js';
import { loadVerifiedRepo } from '../trust/verified-repo.js';
import { pushBundle } from '../trust/push.js';

export interface GenerateOptions extends GlobalOptions {
  keyType: string;
  out: string;
}

export interface SignOptions extends GlobalOptions, SignerOptions {
  app?: string;
  keys?: string;
  root?: string;
  role?: string;
}

export type PushOptions = AppOptions;

function roleSummary(role: RoleKeys, expires: string, version: number) {
  return { version, expires, threshold: role.threshold, keyids: role.keyids };
}

export async function generateKey(opts: GenerateOptions): Promise<void> {
  const key = generateKeyFile(keyAlgorithmOption(opts.keyType));
  const path = resolve(opts.out);
  try {
    await writeFile(path, JSON.stringify(key, null, 2) + '\n', { mode: 0o600, flag: 'wx' });
  } catch (err) {
    const exists = (err as NodeJS.ErrnoException).code === 'EEXIST';
    throw new CliError(
      'bad-input',
      exists
        ? `${path} exists; choose another --out (keys are never overwritten)`
        : `cannot write ${path}: ${(err as Error).message}`,
    );
  }
  await chmod(path, 0o600);
  const result = { keyid: key.keyid, path, publicKey: publicKeyOf(key) };
  emit(opts, result, () =>
    [
      `${colour.green('generated')} ${key.keytype} key ${colour.bold(key.keyid)}`,
      `  private key: ${path} ${colour.dim('(mode 0600; keep it offline and backed up)')}`,
      `next: updraft keys rotate --app <appId> --role root --new-key ${path}`,
    ].join('\n'),
  );
}

export async function showKeys(opts: AppOptions): Promise<void> {
  const ctx = await openApp(opts);
  const { repo } = ctx;
  const delegation = (name: string) => repo.targets.signed.delegations!.roles.find((r) => r.name === name)!;
  const roles = {
    root: roleSummary(repo.root.signed.roles.root, repo.root.signed.expires, repo.root.signed.version),
    targets: roleSummary(repo.root.signed.roles.targets, repo.targets.signed.expires, repo.targets.signed.version),
    snapshot: roleSummary(repo.root.signed.roles.snapshot, repo.snapshot.signed.expires, repo.snapshot.signed.version),
    timestamp: roleSummary(
      repo.root.signed.roles.timestamp,
      repo.timestamp.signed.expires,
      repo.timestamp.signed.version,
    ),
    releases: roleSummary(delegation(RELEASES_ROLE), repo.releases.signed.expires, repo.releases.signed.version),
    director: roleSummary(delegation(DIRECTOR_ROLE), repo.director.signed.expires, repo.director.signed.version),
  };
  const rotation = await readRotation(ctx.keysDir);
  const result = {
    appId: ctx.appId,
    rootVersion: repo.root.signed.version,
    epoch: repo.root.signed.epoch,
    roles,
    expiryPolicy: ctx.policy,
    rotationInProgress: rotation,
    warnings: expiryWarnings(repo, ctx.policy, Date.now()),
  };
  emit(opts, result, () => {
    const lines = [
      `${colour.bold(ctx.appId)} root v${result.rootVersion}, epoch ${result.epoch} ${colour.dim('(verified from ' + ctx.anchorPath + ')')}`,
    ];
    for (const [name, r] of Object.entries(roles)) {
      lines.push(`  ${name.padEnd(9)} v${r.version}  ${r.threshold}-of-${r.keyids.length}  expires ${r.expires}`);
      for (const id of r.keyids) lines.push(`    ${id}`);
    }
    for (const [role, state] of Object.entries(rotation)) {
      if (state)
        lines.push(
          colour.yellow(
            `rotation of ${role} in progress: finish with updraft keys rotate --app ${ctx.appId} --role ${role} --finish`,
          ),
        );
    }
    for (const w of result.warnings) lines.push(colour.yellow(`warning: ${w}`));
    return lines.join('\n');
  });
}

export async function signMetadataFile(file: string, opts: SignOptions): Promise<void> {
  const bundle = await readBundle(file);
  const signers = await signersFrom(opts);
  if (signers.length === 0)
    throw new CliError('usage', 'pass --key <file> or --signer <command> with --signer-key <file>', {
      exitCode: 2,
    });
  let signed = bundle;
  let needs: ReturnType<typeof missingSignatures> | null = null;
  const server = opts.server ?? process.env['UPDRAFT_SERVER'];
  if (opts.role !== undefined || !server) {
    // Offline signing (an air-gapped machine): the named envelope, with every signer given.
    const role = (opts.role ?? 'root') as BundleRole;
    if (!BUNDLE_ROLES.includes(role) || !bundle[role])
      throw new CliError(
        'usage',
        `--role must name an envelope in ${file}: ${BUNDLE_ROLES.filter((r) => bundle[r]).join(', ')}`,
        { exitCode: 2 },
      );
    signed = { ...bundle, [role]: await addSignatures(bundle[role]!, signers) };
  } else {
    const appId = opts.app ?? bundle.appId;
    const dir = resolve(opts.keys ?? defaultKeysDir(appId));
    const repo = await loadVerifiedRepo(server, appId, await readAnchor(resolve(opts.root ?? `${dir}/root.json`)));
    signed = await signBundle(bundle, repo, signers);
    needs = missingSignatures(signed, repo);
  }
  await writeBundle(file, signed);
  const result = { file, signedBy: signers.map((s) => s.keyId), missing: needs };
  emit(opts, result, () =>
    [
      `${colour.green('signed')} ${file} with ${signers.map((s) => s.keyId.slice(0, 16)).join(', ')}`,
      needs === null
        ? 'next: updraft keys push ' + file + ' --app ' + bundle.appId
        : needs.length > 0
          ? `still missing: ${describeNeeds(needs)}`
          : `ready: updraft keys push ${file} --app ${bundle.appId}`,
    ].join('\n'),
  );
}

export async function pushMetadataFile(file: string, opts: PushOptions): Promise<void> {
  const bundle = await readBundle(file);
  if (bundle.appId !== opts.app) throw new CliError('bad-input', `${file} is for app ${bundle.appId}, not ${opts.app}`);
  const ctx = await openApp(opts);
  const result = await pushBundle(ctx, bundle);
  emit(
    opts,
    result,
    () =>
      `${colour.green('uploaded')} root v${result.rootVersion}, targets v${result.targetsVersion}, releases v${result.releasesVersion}`,
  );
}
