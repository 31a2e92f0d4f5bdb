import { asArray, asInteger, asObject, asSha256, asString, fail, type Obj } from '../shape.js';
import { parseKey } from '../metadata.js';
import { relativePathProblem } from '../paths.js';
import { parseJsonObject } from '../canonical-json.js';
import { utf8Encode } from '../encoding.js';
import type { TufKey } from '../keys.js';
import { parseDsseEnvelope, verifyDsse } from './dsse.js';

/**
 * Build provenance of a release: an in-toto Statement v1 whose predicate is SLSA Provenance
 * v1, in a DSSE envelope signed by a builder key (not the releases key). The release's
 * signed target names the envelope's hash and the builder key (docs/protocol.md §10).
 */

export const IN_TOTO_PAYLOAD_TYPE = 'application/vnd.in-toto+json';
export const IN_TOTO_STATEMENT_V1 = 'https://in-toto.io/Statement/v1';
export const SLSA_PROVENANCE_V1 = 'https://slsa.dev/provenance/v1';
export const UPDRAFT_BUILD_TYPE = 'https://updraft.dev/publish/v1';

export function provenanceTargetPath(releaseId: string): string {
  return `attestations/${releaseId}.intoto.json`;
}

/** `custom.updraft.provenance` of a release target. */
export interface ProvenanceRef {
  path: string;
  sha256: string;
  length: number;
  builderKey: TufKey;
}

/**
 * The provenance reference of a release target (`custom.updraft.provenance` of
 * `manifests/<id>.json` in the releases role), checked; null when the release was published
 * without provenance. Every reader (CLI, dashboard) takes the reference through this.
 */
export function parseProvenanceRef(custom: Obj | undefined, path: string): ProvenanceRef | null {
  const updraft = custom?.['updraft'];
  if (updraft === undefined) return null;
  const value = asObject(updraft, `${path}.custom.updraft`)['provenance'];
  if (value === undefined) return null;
  const p = `${path}.custom.updraft.provenance`;
  const ref = asObject(value, p);
  const file = asString(ref['path'], `${p}.path`, 1024);
  if (relativePathProblem(file) !== null) fail(`${p}.path`, 'a relative path');
  return {
    path: file,
    sha256: asSha256(ref['sha256'], `${p}.sha256`),
    length: asInteger(ref['length'], `${p}.length`, 0),
    builderKey: parseKey(ref['builderKey'], `${p}.builderKey`),
  };
}

/** The git state of the published folder's checkout. */
export interface ProvenanceSource {
  repository: string | null;
  commit: string | null;
  ref: string | null;
  /** Uncommitted changes in the checkout when it was published (null: unknown, e.g. not a git checkout). */
  dirty?: boolean | null;
  /** The published folder, relative to the checkout's top level. */
  path?: string | null;
}

export interface ProvenanceInput {
  subjects: { name: string; sha256: string }[];
  builderId: string;
  appId: string;
  releaseId: string;
  platform: string;
  runtimeVersion: string;
  channel: string;
  source: ProvenanceSource;
  startedOn: string;
  finishedOn: string;
  invocationId: string | null;
}

export function provenanceStatement(input: ProvenanceInput): Obj {
  const resolvedDependencies: Obj[] = [];
  if (input.source.repository) {
    const dep: Obj = { uri: `git+${input.source.repository}${input.source.ref ? `@${input.source.ref}` : ''}` };
    if (input.source.commit) dep['digest'] = { gitCommit: input.source.commit };
    resolvedDependencies.push(dep);
  }
  const metadata: Obj = { startedOn: input.startedOn, finishedOn: input.finishedOn };
  if (input.invocationId) metadata['invocationId'] = input.invocationId;
  return {
    _type: IN_TOTO_STATEMENT_V1,
    subject: input.subjects.map((s) => ({ name: s.name, digest: { sha256: s.sha256 } })),
    predicateType: SLSA_PROVENANCE_V1,
    predicate: {
      buildDefinition: {
        buildType: UPDRAFT_BUILD_TYPE,
        externalParameters: {
          appId: input.appId,
          releaseId: input.releaseId,
          platform: input.platform,
          runtimeVersion: input.runtimeVersion,
          channel: input.channel,
          source: {
            repository: input.source.repository,
            ref: input.source.ref,
            // Also without a remote: the commit and whether the tree matched it.
            commit: input.source.commit,
            dirty: input.source.dirty ?? null,
            path: input.source.path ?? null,
          },
        },
        resolvedDependencies,
      },
      runDetails: { builder: { id: input.builderId }, metadata },
    },
  };
}

export interface ProvenanceSummary {
  builderId: string;
  builderKeyIds: string[];
  subjects: { name: string; sha256: string }[];
  repository: string | null;
  commit: string | null;
  /** The checkout had uncommitted changes (null when the provenance does not say). */
  dirty: boolean | null;
  buildTime: string | null;
  statement: Obj;
}

/** Verifies the envelope with the builder key and reads the fields a person checks. */
export function verifyProvenance(envelopeJson: unknown, builderKey: TufKey): ProvenanceSummary {
  const envelope = parseDsseEnvelope(envelopeJson);
  if (envelope.payloadType !== IN_TOTO_PAYLOAD_TYPE) fail('DSSE envelope.payloadType', `"${IN_TOTO_PAYLOAD_TYPE}"`);
  const verified = verifyDsse(envelope, [builderKey]);
  const statement = asObject(parseJsonObject(utf8Encode(verified.payloadText), 'in-toto statement'), 'statement');
  if (statement['_type'] !== IN_TOTO_STATEMENT_V1) fail('statement._type', `"${IN_TOTO_STATEMENT_V1}"`);
  if (statement['predicateType'] !== SLSA_PROVENANCE_V1) fail('statement.predicateType', `"${SLSA_PROVENANCE_V1}"`);
  const subjects = asArray(statement['subject'], 'statement.subject', 10_000).map((s, i) => {
    const o = asObject(s, `statement.subject[${i}]`);
    const digest = asObject(o['digest'], `statement.subject[${i}].digest`);
    return {
      name: asString(o['name'], `statement.subject[${i}].name`),
      sha256: asString(digest['sha256'], `statement.subject[${i}].digest.sha256`, 64),
    };
  });
  const predicate = asObject(statement['predicate'], 'statement.predicate');
  const runDetails = asObject(predicate['runDetails'], 'predicate.runDetails');
  const builder = asObject(runDetails['builder'], 'predicate.runDetails.builder');
  const metadata = runDetails['metadata'] as Obj | undefined;
  const build = asObject(predicate['buildDefinition'], 'predicate.buildDefinition');
  const deps = (build['resolvedDependencies'] as Obj[] | undefined) ?? [];
  const git = deps.find((d) => typeof d['uri'] === 'string' && (d['uri'] as string).startsWith('git+'));
  const source = (build['externalParameters'] as Obj | undefined)?.['source'] as Obj | undefined;
  const repository = typeof source?.['repository'] === 'string' ? (source['repository'] as string) : null;
  return {
    builderId: asString(builder['id'], 'predicate.runDetails.builder.id'),
    builderKeyIds: verified.signerKeyIds,
    subjects,
    repository,
    commit:
      (git ? ((git['digest'] as Obj | undefined)?.['gitCommit'] as string | undefined) : undefined) ??
      (typeof source?.['commit'] === 'string' ? (source['commit'] as string) : null),
    dirty: typeof source?.['dirty'] === 'boolean' ? (source['dirty'] as boolean) : null,
    buildTime: typeof metadata?.['finishedOn'] === 'string' ? (metadata['finishedOn'] as string) : null,
    statement,
  };
}
