// The package's public surface, by name: one home per name, and a reader sees what is public.
export {
  generateKeyFile,
  localSigner,
  parseKeyFile,
  publicKeyOf,
  readKeyFile,
  type KeyFile,
  type Signer,
} from './keys.js';
export { addSignatures, metaEntryFor, signMetadata } from './sign.js';
export { DAY_MS, DEFAULT_EXPIRY_DAYS, expiresAt, isoSeconds } from './time.js';
export {
  DEFAULT_EXPIRY_POLICY,
  EXPIRY_FIELDS,
  expiresAfter,
  formatDuration,
  MAX_LIFETIME_S,
  MIN_LIFETIME_S,
  parseDuration,
  withDefaults,
  type ExpiryField,
  type ExpiryPolicy,
} from './expiry.js';
export { SigningError } from './errors.js';
export {
  commandSigner,
  dedupe,
  hasPrivateKey,
  readJsonFile,
  readPrivateKey,
  readPublicKey,
  signersFrom,
  type SignerOptions,
} from './signers.js';
export {
  defaultKeysDir,
  folderSigners,
  keyPath,
  loadOrCreateKey,
  OFFLINE_ROLES,
  readRoleKey,
  writeTrustAnchor,
  type OfflineRole,
} from './key-folder.js';
export {
  promoteKey,
  readRotation,
  writeNewKey,
  writeRoots,
  writeRotation,
  type RotationState,
} from './rotation-files.js';
// The publisher workflows: explicit inputs (keys, the server's current metadata through
// PublisherServer, the clock), the new signed metadata sent through PublisherServer.
// Promote has no workflow: it signs nothing. A release reaches only the channels the
// publisher signed into it at publish time (--allow-channels). The server refuses a promote
// outside them (409 channel-not-allowed, which says to publish again with the channel), and
// devices refuse such a pointer (both through protocol's signedForChannel). A check in the
// CLI first would protect nothing more and would make `release promote` need the trust
// anchor (docs/architecture.md).
export type {
  MetadataPush,
  PublishBody,
  PublishDeploy,
  PublishedRelease,
  PublisherServer,
  PushedMetadata,
} from './workflows/publisher-server.js';
export {
  checkKeep,
  DEFAULT_KEEP_RELEASES,
  keptReleaseIds,
  manifestBlob,
  MAX_KEEP_RELEASES,
  newReleaseId,
  nextReleaseTargets,
  releaseDocuments,
  signNextReleases,
  trustedReleases,
  type ListedRelease,
  type NewRelease,
  type Retention,
} from './workflows/releases.js';
export {
  firstTrust,
  type FirstTrust,
  type FirstTrustInput,
  type OfflineRoleSetup,
  type OnlineKeys,
} from './workflows/first-trust.js';
export { publishRelease, type PublishInput } from './workflows/publish.js';
export { rollbackRelease, type RollbackInput } from './workflows/rollback.js';
export {
  BUNDLE_ROLES,
  describeNeeds,
  missingSignatures,
  signBundle,
  type BundleRole,
  type CurrentRole,
  type CurrentTrust,
  type MetadataBundle,
  type OfflineMetadata,
  type SignatureNeed,
} from './workflows/metadata-bundle.js';
export { pushMetadata } from './workflows/push.js';
export { renewOffline, type RenewInput } from './workflows/renew.js';
export {
  roleKeyIds,
  ROOT_LISTED_ROLES,
  ROTATABLE_ROLES,
  rotationBundle,
  type RotatableRole,
  type RotationInput,
} from './workflows/rotate.js';
