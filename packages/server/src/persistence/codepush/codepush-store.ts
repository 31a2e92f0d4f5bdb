/**
 * CodePush compatibility storage, reached as `store.codepush`, bound to the same connection or
 * transaction as the store it hangs off.
 */

export interface CodePushDeployment {
  /** What the app binaries hold as CodePushDeploymentKey; public (it ships in every binary). */
  deploymentKey: string;
  appId: string;
  name: string;
  channel: string;
  platform: string;
  /** Keys the hash that turns a device's client id into event ids (never stored itself). */
  hashSecret: string;
  createdAt: string;
}

/** The CodePush package made of one release: the same for every channel that serves it. */
export interface CodePushPackage {
  appId: string;
  releaseId: string;
  packageHash: string;
  /** The `.codepushrelease` JWT the publisher signed offline; null when unsigned. */
  signature: string | null;
  /** Binary versions it is for (semver range); null = the release's runtime version exactly. */
  targetRange: string | null;
  zipSha256: string;
  zipLength: number;
  createdAt: string;
}

/** Label `v<seq>` of a channel and platform: the seq-th package CodePush devices were offered there. */
export interface CodePushLabel {
  appId: string;
  channel: string;
  platform: string;
  seq: number;
  releaseId: string;
  mandatory: boolean;
  createdAt: string;
}

export interface CodePushDiff {
  appId: string;
  releaseId: string;
  /** The package hash of the device's current package this diff applies to. */
  fromHash: string;
  zipSha256: string;
  zipLength: number;
}

export interface CodePushStore {
  /** Returns false (and changes nothing) when the key or the app's deployment name is taken. */
  insertDeployment(d: CodePushDeployment): Promise<boolean>;
  getDeployment(deploymentKey: string): Promise<CodePushDeployment | null>;
  listDeployments(appId: string): Promise<CodePushDeployment[]>;
  deleteDeployment(appId: string, name: string): Promise<boolean>;

  /** Idempotent per (app, release): the first stored package stays. */
  putPackage(p: CodePushPackage): Promise<void>;
  getPackage(appId: string, releaseId: string): Promise<CodePushPackage | null>;
  listPackages(appId: string, releaseIds: readonly string[]): Promise<CodePushPackage[]>;

  insertLabel(l: CodePushLabel): Promise<void>;
  /** Every label of one channel and platform, oldest first. */
  listLabels(appId: string, channel: string, platform: string): Promise<CodePushLabel[]>;

  putDiff(d: CodePushDiff): Promise<void>;
  getDiff(appId: string, releaseId: string, fromHash: string): Promise<CodePushDiff | null>;
  /** Whether a zip (full or diff) of this app has this hash: what may be downloaded. */
  hasZip(appId: string, zipSha256: string): Promise<boolean>;
}
