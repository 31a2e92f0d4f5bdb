import { stat } from 'node:fs/promises';
import { keyId, type KeyChange, type OnlineRole } from '@updraft/protocol';
import {
  describeNeeds,
  folderSigners,
  missingSignatures,
  roleKeyIds,
  rotationBundle,
  ROTATABLE_ROLES,
  type RotatableRole,
  signBundle,
  generateKeyFile,
  hasPrivateKey,
  keyPath,
  localSigner,
  type OfflineRole,
  promoteKey,
  publicKeyOf,
  readPrivateKey,
  readPublicKey,
  readRotation,
  type Signer,
  type SignerOptions,
  signersFrom,
  writeNewKey,
  writeRotation,
} from '@updraft/signing';
import { keyAlgorithmOption } from '../keys-dir.js';
import { CliError, colour, emit } from '../output.js';
import { openApp, type AppContext, type AppOptions } from '../trust/app-context.js';
import { writeBundle } from '../trust/bundle.js';
import { pushBundle } from '../trust/push.js';

const ONLINE = ['snapshot', 'timestamp', 'director'] as const;

export interface RotateOptions extends AppOptions, SignerOptions {
  role: string;
  newKey?: string[];
  remove?: string[];
  threshold?: string;
  finish?: boolean;
  epoch?: string;
  out?: string;
  keyType: string;
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

function positiveInt(value: string | undefined, flag: string, min: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < min)
    throw new CliError('usage', `${flag} must be a whole number ≥ ${min}`, { exitCode: 2 });
  return n;
}

export async function rotate(opts: RotateOptions): Promise<void> {
  const role = opts.role as RotatableRole;
  if (!ROTATABLE_ROLES.includes(role)) {
    throw new CliError('usage', `--role must be one of ${ROTATABLE_ROLES.join(', ')}, not "${opts.role}"`, {
      exitCode: 2,
    });
  }
  const online = (ONLINE as readonly string[]).includes(role);
  const epoch = positiveInt(opts.epoch, '--epoch', 0);
  if (epoch !== undefined && role !== 'root')
    throw new CliError('usage', '--epoch is set by a new root: use it with --role root', { exitCode: 2 });
  const threshold = positiveInt(opts.threshold, '--threshold', 1);
  const algorithm = keyAlgorithmOption(opts.keyType);
  const ctx = await openApp(opts);
  const nowMs = Date.now();
  const rotation = await readRotation(ctx.keysDir);
  const before = roleKeyIds(ctx.repo, role);
  const change: KeyChange = { add: [], remove: [...(opts.remove ?? [])] };
  if (threshold !== undefined) change.threshold = threshold;
  const newSigners: Signer[] = [];
  let generated: { path: string; keyid: string } | null = null;
  let startsOverlap = false;

  if (opts.finish) {
    const state = rotation[role];
    if (!state)
      throw new CliError(
        'bad-input',
        `no rotation of ${role} is in progress for ${ctx.appId}; start one with keys rotate --role ${role}`,
      );
    change.remove.push(...state.remove.filter((id) => before.includes(id) && !change.remove.includes(id)));
  } else if (online) {
    if (opts.newKey)
      throw new CliError('usage', `the server generates ${role} keys; do not pass --new-key for an online role`, {
        exitCode: 2,
      });
    const created = await ctx.api.call('POST /v1/apps/:appId/online-keys', {
      params: { appId: ctx.appId },
      body: { role: role as OnlineRole },
    });
    change.add.push(created.key);
    startsOverlap = true;
  } else if (opts.newKey) {
    for (const path of opts.newKey) {
      change.add.push(await readPublicKey(path));
      if (await hasPrivateKey(path)) newSigners.push(localSigner(await readPrivateKey(path)));
    }
  } else if (change.remove.length === 0 && threshold === undefined && epoch === undefined) {
    if (opts.out)
      throw new CliError(
        'usage',
        'with --out, pass the new key with --new-key (create it with updraft keys generate)',
        { exitCode: 2 },
      );
    const key = generateKeyFile(algorithm);
    generated = { path: await writeNewKey(ctx.keysDir, role as OfflineRole, key), keyid: key.keyid };
    change.add.push(publicKeyOf(key));
    newSigners.push(localSigner(key));
    startsOverlap = true;
  }

  const bundle = rotationBundle({
    appId: ctx.appId,
    current: ctx.repo,
    policy: ctx.policy,
    role,
    change,
    newPrivateKey: newSigners.length > 0,
    nowMs,
    ...(epoch !== undefined ? { epoch } : {}),
  });
  const signers = [...(await signersFrom(opts)), ...newSigners, ...(await folderSigners(ctx.keysDir))];
  const signed = await signBundle(bundle, ctx.repo, signers);
  const needs = missingSignatures(signed, ctx.repo);
  const nextRotation = { ...rotation };
  if (opts.finish) delete nextRotation[role];
  if (startsOverlap) nextRotation[role] = { remove: before, startedAt: new Date(nowMs).toISOString() };

  if (opts.out) {
    await writeBundle(opts.out, signed);
    await writeRotation(ctx.keysDir, nextRotation);
    const result = { appId: ctx.appId, role, file: opts.out, missing: needs };
    emit(opts, result, () =>
      needs.length > 0
        ? `${colour.yellow('written')} ${opts.out}; still missing: ${describeNeeds(needs)}\nnext: updraft keys sign ${opts.out} --key <file>, then updraft keys push ${opts.out} --app ${ctx.appId}`
        : `${colour.green('written')} ${opts.out}, fully signed\nnext: updraft keys push ${opts.out} --app ${ctx.appId}`,
    );
    return;
  }
  if (needs.length > 0) {
    throw new CliError(
      'threshold',
      `not enough signatures: ${describeNeeds(needs)}; pass more --key/--signer, or write the metadata with --out and collect them with updraft keys sign`,
      { details: { missing: needs } },
    );
  }
  const pushed = await pushBundle(ctx, signed);
  if (generated) {
    const old =
      role === 'root' || role === 'targets' || role === 'releases' ? await currentFolderKeyId(ctx, role) : null;
    await promoteKey(ctx.keysDir, role as OfflineRole, generated.path, old);
  }
  await writeRotation(ctx.keysDir, nextRotation);
  const result = {
    appId: ctx.appId,
    role,
    added: change.add.map((k) => keyId(k)),
    removed: change.remove,
    ...pushed,
    overlap: startsOverlap ? nextRotation[role] : null,
  };
  emit(opts, result, () =>
    [
      `${colour.green('rotated')} ${role} of ${ctx.appId}: root v${pushed.rootVersion}, targets v${pushed.targetsVersion}`,
      ...result.added.map((id: string) => `  added   ${id}`),
      ...result.removed.map((id) => `  removed ${id}`),
      startsOverlap
        ? `the old key stays listed for the overlap; once devices have updated, run: updraft keys rotate --app ${ctx.appId} --role ${role} --finish`
        : '',
    ]
      .filter(Boolean)
      .join('\n'),
  );
}

async function currentFolderKeyId(ctx: AppContext, role: OfflineRole): Promise<string | null> {
  const path = keyPath(ctx.keysDir, role);
  return (await exists(path)) ? (await readPrivateKey(path)).keyid : null;
}
