import { execFileSync } from 'node:child_process';
import { chmod, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { dirname, join } from 'node:path';
import { canonicalBytes, hexToBytes, sha256Hex } from '@updraft/protocol';
import {
  base64Encode,
  IN_TOTO_PAYLOAD_TYPE,
  pae,
  provenanceStatement,
  provenanceTargetPath,
  type ProvenanceRef,
  type ProvenanceSource,
} from '@updraft/protocol/transparency';
import { generateKeyFile, localSigner, parseKeyFile, publicKeyOf, type KeyFile } from '@updraft/signing';
import type { AdminApi } from './api-client.js';
import { CliError } from './output.js';

/**
 * Build provenance for `updraft publish`: an in-toto Statement v1 with an SLSA Provenance v1
 * predicate, in a DSSE envelope signed by the builder key (separate from the releases key, so
 * a CI runner's identity is attested apart from the publisher's approval). The envelope is
 * uploaded as a content-addressed blob; the release target's signed custom names its hash.
 */

export function defaultBuilderKeyPath(keysDir: string): string {
  return join(keysDir, 'builder.key.json');
}

export async function loadOrCreateBuilderKey(path: string): Promise<KeyFile> {
  try {
    await stat(path);
  } catch {
    await mkdir(dirname(path), { recursive: true, mode: 0o700 });
    const key = generateKeyFile('ed25519');
    await writeFile(path, JSON.stringify(key, null, 2) + '\n', { mode: 0o600, flag: 'wx' });
    await chmod(path, 0o600);
    return key;
  }
  try {
    return parseKeyFile(JSON.parse(await readFile(path, 'utf8')), path);
  } catch (err) {
    throw new CliError('keys-invalid', `${path} is not a valid builder key file: ${(err as Error).message}`);
  }
}

function git(dir: string, args: string[]): string | null {
  try {
    const out = execFileSync('git', ['-C', dir, ...args], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
    return out === '' ? null : out;
  } catch {
    return null;
  }
}

/** Builder and source as CI (GitHub Actions, GitLab CI) or the local git checkout describe them. */
export function buildEnvironment(
  sourceDir: string,
  env: NodeJS.ProcessEnv = process.env,
): {
  builderId: string;
  invocationId: string | null;
  source: ProvenanceSource;
} {
  if (env['GITHUB_ACTIONS'] === 'true' && env['GITHUB_REPOSITORY']) {
    const server = env['GITHUB_SERVER_URL'] ?? 'https://github.com';
    const repository = `${server}/${env['GITHUB_REPOSITORY']}`;
    return {
      builderId: env['UPDRAFT_BUILDER_ID'] ?? `${repository}/.github/workflows`,
      invocationId: env['GITHUB_RUN_ID'] ? `${repository}/actions/runs/${env['GITHUB_RUN_ID']}` : null,
      source: { repository, commit: env['GITHUB_SHA'] ?? null, ref: env['GITHUB_REF'] ?? null },
    };
  }
  if (env['GITLAB_CI'] === 'true' && env['CI_PROJECT_URL']) {
    return {
      builderId: env['UPDRAFT_BUILDER_ID'] ?? `${env['CI_SERVER_URL'] ?? 'gitlab'}/runner`,
      invocationId: env['CI_JOB_URL'] ?? null,
      source: {
        repository: env['CI_PROJECT_URL'],
        commit: env['CI_COMMIT_SHA'] ?? null,
        ref: env['CI_COMMIT_REF_NAME'] ?? null,
      },
    };
  }
  return {
    builderId: env['UPDRAFT_BUILDER_ID'] ?? `updraft-cli://${hostname()}`,
    invocationId: null,
    source: gitState(sourceDir),
  };
}

/**
 * The git state of the published folder (git -C, never the working directory's): its
 * checkout's remote, commit and branch, where the folder sits in it, and whether the checkout
 * had uncommitted changes (ignored files such as build output do not count; untracked ones do).
 */
export function gitState(folder: string): ProvenanceSource {
  const commit = git(folder, ['rev-parse', 'HEAD']);
  let dirty: boolean | null = null;
  if (commit) {
    try {
      dirty =
        execFileSync('git', ['-C', folder, 'status', '--porcelain'], {
          encoding: 'utf8',
          stdio: ['ignore', 'pipe', 'ignore'],
        }).trim() !== '';
    } catch {
      dirty = null;
    }
  }
  return {
    repository: git(folder, ['config', '--get', 'remote.origin.url']),
    commit,
    ref: git(folder, ['symbolic-ref', '-q', 'HEAD']),
    dirty,
    path: commit ? (git(folder, ['rev-parse', '--show-prefix'])?.replace(/\/$/, '') ?? '.') : null,
  };
}

export interface ProvenanceRequest {
  appId: string;
  releaseId: string;
  platform: string;
  runtimeVersion: string;
  channel: string;
  manifestSha256: string;
  launch: { path: string; sha256: string };
  builderKey: KeyFile;
  sourceDir: string;
  startedOn: string;
}

export async function publishProvenance(api: AdminApi, req: ProvenanceRequest): Promise<ProvenanceRef> {
  const environment = buildEnvironment(req.sourceDir);
  const statement = provenanceStatement({
    subjects: [
      { name: `manifests/${req.releaseId}.json`, sha256: req.manifestSha256 },
      { name: req.launch.path, sha256: req.launch.sha256 },
    ],
    builderId: environment.builderId,
    appId: req.appId,
    releaseId: req.releaseId,
    platform: req.platform,
    runtimeVersion: req.runtimeVersion,
    channel: req.channel,
    source: environment.source,
    startedOn: req.startedOn,
    finishedOn: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
    invocationId: environment.invocationId,
  });
  const payload = canonicalBytes(statement);
  const signer = localSigner(req.builderKey);
  const sig = base64Encode(hexToBytes(await signer.sign(pae(IN_TOTO_PAYLOAD_TYPE, payload))));
  const envelope = {
    payloadType: IN_TOTO_PAYLOAD_TYPE,
    payload: base64Encode(payload),
    signatures: [{ keyid: signer.keyId, sig }],
  };
  const bytes = new TextEncoder().encode(JSON.stringify(envelope));
  const sha256 = sha256Hex(bytes);
  await api.call('PUT /v1/apps/:appId/blobs/:sha256', { params: { appId: req.appId, sha256 } }, { raw: bytes });
  return {
    path: provenanceTargetPath(req.releaseId),
    sha256,
    length: bytes.length,
    builderKey: publicKeyOf(req.builderKey),
  };
}
