// The shared test fixtures and contract suites, by name. Names that two modules define
// (NOW, sha256, startStaticServer) are imported from their module's subpath, e.g.
// '@updraft/test-kit/test-repo'.

export { AdminRefusal, adminPublisher, publisherView } from './admin-publisher.js';
export { binaryLikePair, jsLikePair, prng, randomBytes } from './bundles.js';
export {
  CLI,
  REPO_ROOT,
  deviceSyncArgs,
  publishArgs,
  runCli,
  startServerProcess,
  tempDir,
  type CliResult,
  type DeviceSyncArgs,
  type PublishArgs,
  type ServerProcess,
  type ServerProcessOptions,
  type TargetArgs,
} from './cli.js';
export { CodePushDevice, applyPackage, folderHash, type PackageFolder } from './codepush-device.js';
export {
  A,
  B,
  DAY,
  E,
  assertRuns,
  attackCase,
  cli,
  client,
  content,
  copyDevice,
  flipByte,
  frozenTimestampE,
  isPath,
  keysDir,
  oldTimestampA,
  onPath,
  pointAt,
  proxy,
  rel,
  root2KeyPath,
  rotateKeyOfA,
  serve,
  serveFiles,
  server,
  shippedRoot,
  stolen,
  templateA,
  templateE,
  useHostileNetwork,
  v2File,
  work,
  type Case,
  type HostileNetworkOptions,
} from './hostile-network.js';
export {
  passThrough,
  startHostileProxy,
  type Answer,
  type Attack,
  type HostileProxy,
  type Upstream,
} from './hostile-proxy.js';
export { startNginx, type Nginx, type NginxMode } from './nginx.js';
export { publishOnce, seedApp, startLoad, unexpected, type Load, type Outcome } from './outage-load.js';
export { forgeOnline, getBytes, getJson, mirrorRepository, stealOnlineKeys, type ForgeEdit } from './repo-tools.js';
export { freePort, skipOrFail, startPostgres, startS3, type PostgresCluster, type S3Service } from './services.js';
export {
  startStaleConnectionServer,
  type StaleConnectionServer,
  type StaleRequest,
} from './stale-connection-server.js';
export { type StaticServer } from './static-server.js';
export { deviceDir } from './device-dir.js';
export { startTcpProxy, type TcpProxy } from './tcp-proxy.js';
export {
  FAR_FUTURE,
  TestRepo,
  newKey,
  signEnvelope,
  type PublishOptions,
  type Published,
  type TestKey,
  type TestPatch,
} from './test-repo.js';
export {
  NFC_NAME,
  NFD_NAME,
  describeTree,
  readTree,
  realisticTree,
  treeArbitrary,
  treeDifferences,
  writeTree,
  type RealisticTreeOptions,
  type Tree,
} from './trees.js';
export { blobStoreContract, type BlobBackend } from './contract/blob-store.js';
export { insightStoreContract } from './contract/insight-store.js';
export { metadataStoreContract } from './contract/metadata-store.js';
export { platformPortsContract, type PlatformPorts, type PortsBinding } from './contract/platform-ports.js';
export { rolloutAccessContract } from './contract/rollout-access.js';
export { sourcemapStoreContract } from './contract/sourcemap-store.js';
export { storeTest, type MetadataBackend } from './contract/store-backend.js';
