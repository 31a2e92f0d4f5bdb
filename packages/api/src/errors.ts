/**
 * Every error code the Updraft server answers in `{"error": {"code", "message"}}`, with its HTTP
 * status and what it means. The code is the contract (the CLI and the dashboard match on it,
 * through `ErrorCode`); the message says what to do and may change. docs/api.md documents each
 * code (a test checks it). A code answered with more than one status lists the usual one first
 * and the others in `alsoStatus`; the thrower names the other one.
 */

/** The codes by name, so callers match on a constant, never a string literal. */
export const ErrorCode = {
  // Requests the server could not read.
  invalidRequest: 'invalid-request',
  invalidJson: 'invalid-json',
  badRequest: 'bad-request',
  tooLong: 'too-long',
  tooLarge: 'too-large',
  unsupportedMediaType: 'unsupported-media-type',
  notAcceptable: 'not-acceptable',
  notFound: 'not-found',
  // Who may call.
  unauthorized: 'unauthorized',
  csrf: 'csrf',
  forbidden: 'forbidden',
  forbiddenApp: 'forbidden-app',
  forbiddenOrg: 'forbidden-org',
  forbiddenRole: 'forbidden-role',
  forbiddenScope: 'forbidden-scope',
  forbiddenExpiry: 'forbidden-expiry',
  channelProtected: 'channel-protected',
  tooManyAttempts: 'too-many-attempts',
  rateLimited: 'rate-limited',
  tooManyDownloads: 'too-many-downloads',
  downloadsBusy: 'downloads-busy',
  // Apps, trust and metadata.
  appNotFound: 'app-not-found',
  appExists: 'app-exists',
  trustExists: 'trust-exists',
  trustNotInitialized: 'trust-not-initialized',
  invalidTrust: 'invalid-trust',
  badSignature: 'bad-signature',
  metadataChanged: 'metadata-changed',
  tooManyCandidates: 'too-many-candidates',
  // Publishing.
  invalidReleases: 'invalid-releases',
  invalidRelease: 'invalid-release',
  invalidManifest: 'invalid-manifest',
  invalidPlatform: 'invalid-platform',
  invalidEmbedded: 'invalid-embedded',
  embeddedNotFound: 'embedded-not-found',
  releasesChanged: 'releases-changed',
  targetsChanged: 'targets-changed',
  blobsMissing: 'blobs-missing',
  hashMismatch: 'hash-mismatch',
  diskFull: 'disk-full',
  versionCode: 'version-code',
  channelNotAllowed: 'channel-not-allowed',
  // Releases, channels and rollouts.
  releaseNotFound: 'release-not-found',
  releaseDisabled: 'release-disabled',
  releaseInUse: 'release-in-use',
  releaseNotListed: 'release-not-listed',
  sourcemapNotFound: 'sourcemap-not-found',
  channelNotFound: 'channel-not-found',
  channelExists: 'channel-exists',
  alreadyHalted: 'already-halted',
  notHalted: 'not-halted',
  notCurrent: 'not-current',
  alreadyCurrent: 'already-current',
  // Keys, organizations and users.
  keyNotFound: 'key-not-found',
  keyRevoked: 'key-revoked',
  orgExists: 'org-exists',
  ingestKeyNotFound: 'ingest-key-not-found',
  alreadyRevoked: 'already-revoked',
  userNotFound: 'user-not-found',
  userExists: 'user-exists',
  alreadyDisabled: 'already-disabled',
  badWebhookUrl: 'bad-webhook-url',
  // Transparency log.
  logEmpty: 'log-empty',
  notInLog: 'not-in-log',
  noTile: 'no-tile',
  badTile: 'bad-tile',
  badIndex: 'bad-index',
  badSize: 'bad-size',
  badRange: 'bad-range',
  badQuery: 'bad-query',
  badCheckpoint: 'bad-checkpoint',
  unknownCheckpoint: 'unknown-checkpoint',
  badCosignature: 'bad-cosignature',
  noCosignature: 'no-cosignature',
  unknownWitness: 'unknown-witness',
  duplicateWitness: 'duplicate-witness',
  // CodePush and Expo compatibility.
  deploymentNotFound: 'deployment-not-found',
  deploymentExists: 'deployment-exists',
  codepushPackageNotFound: 'codepush-package-not-found',
  codepushPackageExists: 'codepush-package-exists',
  codepushHashMismatch: 'codepush-hash-mismatch',
  codepushBadSignature: 'codepush-bad-signature',
  codepushUnsigned: 'codepush-unsigned',
  expoUpdateNotFound: 'expo-update-not-found',
  expoUpdateExists: 'expo-update-exists',
  expoUnsigned: 'expo-unsigned',
  expoRollbackTooOld: 'expo-rollback-too-old',
  // The server's side.
  unavailable: 'unavailable',
  internal: 'internal',
} as const;

export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

export interface ErrorEntry {
  readonly status: number;
  readonly alsoStatus?: readonly number[];
  readonly meaning: string;
}

const E = ErrorCode;

export const ERROR_CATALOGUE = {
  [E.invalidRequest]: {
    status: 400,
    meaning: 'a parameter, query or body field is missing or invalid; the message names it',
  },
  [E.invalidJson]: { status: 400, meaning: 'the body is not valid JSON' },
  [E.badRequest]: { status: 400, meaning: 'the HTTP request itself is malformed' },
  [E.tooLong]: { status: 414, meaning: 'a path parameter is longer than 2048 characters' },
  [E.tooLarge]: { status: 413, meaning: 'the body or an uploaded blob is larger than the route accepts' },
  [E.unsupportedMediaType]: { status: 415, meaning: 'the content type is not one the route reads' },
  [E.notAcceptable]: { status: 406, meaning: 'the Accept header names no format the route answers (Expo manifest)' },
  [E.notFound]: { status: 404, meaning: 'no such route, repository file, blob or dashboard asset' },
  [E.unauthorized]: {
    status: 401,
    meaning: 'no credential, or an unknown, revoked or expired one, or a wrong password',
  },
  [E.csrf]: { status: 403, meaning: 'a change made with the dashboard session lacks the x-updraft-csrf header' },
  [E.forbidden]: { status: 403, meaning: 'the route declares no access rule (a server bug, refused safely)' },
  [E.forbiddenApp]: {
    status: 403,
    meaning: 'the key is limited to other apps, or the route concerns the whole organization',
  },
  [E.forbiddenOrg]: {
    status: 403,
    meaning: 'only an owner of the first organization with a key for every app may create organizations',
  },
  [E.forbiddenRole]: { status: 403, meaning: 'the caller’s role is below what the route needs' },
  [E.forbiddenScope]: { status: 403, meaning: 'the key’s scopes do not include what the route needs' },
  [E.forbiddenExpiry]: { status: 403, meaning: 'a key may not create a key that expires later than itself' },
  [E.channelProtected]: {
    status: 403,
    meaning: 'the channel is protected: only a release-manager, admin, owner or CI service account may change it',
  },
  [E.tooManyAttempts]: { status: 429, meaning: 'too many failed sign-ins for this email; wait' },
  [E.rateLimited]: { status: 429, meaning: 'too many device events from this ingest key; retry later' },
  [E.tooManyDownloads]: {
    status: 429,
    meaning: 'too many file downloads at once from this network address; retry after Retry-After seconds',
  },
  [E.downloadsBusy]: {
    status: 503,
    meaning: 'the server is sending as many files as it allows at once; retry after Retry-After seconds',
  },
  [E.appNotFound]: { status: 404, meaning: 'the app does not exist (or is not servable)' },
  [E.appExists]: { status: 409, meaning: 'the app already exists with its root of trust; choose another appId' },
  [E.trustExists]: { status: 409, meaning: 'the app already has a root of trust' },
  [E.trustNotInitialized]: {
    status: 409,
    alsoStatus: [404],
    meaning: 'the app has no root of trust yet (404 when reading metadata that therefore does not exist)',
  },
  [E.invalidTrust]: {
    status: 400,
    meaning: 'the uploaded root, targets or releases metadata is not a valid first version',
  },
  [E.badSignature]: { status: 403, meaning: 'a signature does not verify against the keys the signed metadata trusts' },
  [E.metadataChanged]: { status: 409, meaning: 'the metadata changed since the caller read it; read again and retry' },
  [E.tooManyCandidates]: {
    status: 409,
    meaning: 'the app already has unused online keys of that role; list one of them in a new version',
  },
  [E.invalidReleases]: { status: 400, meaning: 'the releases metadata of a publish is not valid' },
  [E.invalidRelease]: { status: 400, meaning: 'the release being published or promoted is not valid' },
  [E.invalidManifest]: { status: 400, meaning: 'the release manifest is not valid' },
  [E.invalidPlatform]: { status: 400, meaning: 'the platform is not one Updraft knows' },
  [E.invalidEmbedded]: { status: 400, meaning: 'the embedded bundle’s file list is not valid' },
  [E.embeddedNotFound]: {
    status: 404,
    meaning: 'no embedded bundle is registered for that platform and runtime version',
  },
  [E.releasesChanged]: {
    status: 409,
    meaning: 'another publish landed first; sign on top of the new releases metadata and retry',
  },
  [E.targetsChanged]: {
    status: 400,
    meaning: 'a publish adds one target and may drop releases no channel uses, but never changes an existing one',
  },
  [E.blobsMissing]: { status: 400, meaning: 'the release names blobs the server does not hold; upload them first' },
  [E.hashMismatch]: { status: 400, meaning: 'an uploaded blob’s bytes do not hash to the name it was sent under' },
  [E.diskFull]: { status: 507, meaning: 'the blob store has no space left' },
  [E.versionCode]: { status: 409, meaning: 'the release’s versionCode is not above what the channel serves' },
  [E.channelNotAllowed]: {
    status: 409,
    alsoStatus: [400],
    meaning: 'the release is not signed for that channel (400 on publish, 409 on promote)',
  },
  [E.releaseNotFound]: { status: 404, meaning: 'no such release' },
  [E.sourcemapNotFound]: { status: 404, meaning: 'the release has no source map of that name (or its bytes are gone)' },
  [E.releaseDisabled]: { status: 409, meaning: 'the release is disabled and cannot be served again' },
  [E.releaseInUse]: {
    status: 409,
    meaning:
      'new releases metadata drops a release a channel serves or a scheduled deployment names; keep it and retry',
  },
  [E.releaseNotListed]: {
    status: 409,
    meaning:
      'the release is no longer in the signed releases listing, so devices could not verify it; publish a rollback to it',
  },
  [E.channelNotFound]: { status: 404, meaning: 'no such channel' },
  [E.channelExists]: { status: 409, meaning: 'a channel of that name exists' },
  [E.alreadyHalted]: { status: 409, meaning: 'the rollout is already halted' },
  [E.notHalted]: { status: 409, meaning: 'the rollout is not halted, so there is nothing to resume' },
  [E.notCurrent]: { status: 409, meaning: 'the release is not what the channel serves' },
  [E.alreadyCurrent]: { status: 409, meaning: 'the channel already serves that release' },
  [E.keyNotFound]: { status: 404, meaning: 'no such API key' },
  [E.keyRevoked]: { status: 409, meaning: 'the API key is revoked' },
  [E.orgExists]: { status: 409, meaning: 'an organization of that name exists' },
  [E.ingestKeyNotFound]: { status: 404, meaning: 'no such ingest key' },
  [E.alreadyRevoked]: { status: 409, meaning: 'the ingest key is already revoked' },
  [E.userNotFound]: { status: 404, meaning: 'no such user' },
  [E.userExists]: { status: 409, meaning: 'a user with that email exists' },
  [E.alreadyDisabled]: { status: 409, meaning: 'the user is already disabled' },
  [E.badWebhookUrl]: { status: 400, meaning: 'the webhook URL is not one the server may call' },
  [E.logEmpty]: { status: 404, meaning: 'the transparency log has no entry yet' },
  [E.notInLog]: { status: 404, meaning: 'no log entry of that index or hash' },
  [E.noTile]: { status: 404, meaning: 'no such transparency-log tile' },
  [E.badTile]: { status: 400, meaning: 'the tile path is malformed' },
  [E.badIndex]: { status: 400, meaning: 'the log index is not a non-negative integer below the log size' },
  [E.badSize]: { status: 400, meaning: 'the tree size is not from 1 to the log size' },
  [E.badRange]: { status: 400, meaning: 'the requested range of log entries is out of bounds' },
  [E.badQuery]: { status: 400, meaning: 'the proof query names neither a leaf hash nor an index' },
  [E.badCheckpoint]: { status: 400, meaning: 'the checkpoint is malformed' },
  [E.unknownCheckpoint]: { status: 400, meaning: 'the checkpoint is not one this log signed' },
  [E.badCosignature]: { status: 400, meaning: 'the witness cosignature does not verify' },
  [E.noCosignature]: { status: 400, meaning: 'the request carries no cosignature' },
  [E.unknownWitness]: { status: 400, meaning: 'the witness is not configured on this server' },
  [E.duplicateWitness]: { status: 400, meaning: 'the witness is named twice' },
  [E.deploymentNotFound]: { status: 404, meaning: 'no such CodePush deployment (or deployment key)' },
  [E.deploymentExists]: { status: 409, meaning: 'a CodePush deployment of that name exists' },
  [E.codepushPackageNotFound]: { status: 404, meaning: 'the release has no CodePush package' },
  [E.codepushPackageExists]: { status: 409, meaning: 'the release already has a different CodePush package' },
  [E.codepushHashMismatch]: { status: 400, meaning: 'packageHash is not the CodePush hash of the release’s files' },
  [E.codepushBadSignature]: {
    status: 400,
    meaning: 'the CodePush signature is not an RS256 JWT claiming the package hash',
  },
  [E.codepushUnsigned]: { status: 409, meaning: 'an unsigned package where earlier packages were signed' },
  [E.expoUpdateNotFound]: { status: 404, meaning: 'the release has no Expo update' },
  [E.expoUpdateExists]: { status: 409, meaning: 'the release already has a different Expo update' },
  [E.expoUnsigned]: { status: 409, meaning: 'an unsigned Expo update where earlier ones were signed' },
  [E.expoRollbackTooOld]: {
    status: 409,
    meaning: 'the Expo rollback directive is not later than the served update, so devices would ignore it',
  },
  [E.unavailable]: {
    status: 503,
    meaning: 'a dependency (database, blob store) is down; retry after Retry-After seconds',
  },
  [E.internal]: { status: 500, meaning: 'a server bug; the server log has the details under the request id' },
} as const satisfies Record<ErrorCode, ErrorEntry>;

/** The codes the catalogue answers with `status` (the usual one or another it lists). */
export type ErrorCodeWithStatus<S extends number> = {
  [C in ErrorCode]: (typeof ERROR_CATALOGUE)[C] extends { status: S } | { alsoStatus: readonly (infer A)[] }
    ? S extends (typeof ERROR_CATALOGUE)[C]['status'] | A
      ? C
      : never
    : never;
}[ErrorCode];

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.hasOwn(ERROR_CATALOGUE, value);
}

/** The body of every error answer. */
export interface ErrorBody {
  error: { code: string; message: string; [detail: string]: unknown };
}
