/**
 * Expo Updates compatibility storage, reached as `store.expo`, bound to the same connection or
 * transaction as the store it hangs off. Everything here was made and signed by the publisher;
 * the server keeps it and serves it unchanged.
 */

/** The Expo update made of one release: its manifest exactly as signed. */
export interface ExpoUpdate {
  appId: string;
  releaseId: string;
  /** The manifest's `id` (lowercase UUID), what devices send back as expo-current-update-id. */
  updateId: string;
  platform: string;
  runtimeVersion: string;
  /** The manifest's `createdAt`: devices only move to a later one. */
  createdAt: string;
  /** The manifest bytes (UTF-8 JSON text) the signature covers. */
  manifest: string;
  /** Base64 RSASSA-PKCS1-v1_5 SHA-256 over `manifest`; null when unsigned. */
  signature: string | null;
  keyId: string | null;
}

/** The publisher's signature of the constant noUpdateAvailable directive under one key id. */
export interface ExpoSigningKey {
  appId: string;
  keyId: string;
  noUpdateSignature: string;
  updatedAt: string;
}

/** The newest rollBackToEmbedded directive of a channel, platform and runtime version. */
export interface ExpoRollback {
  appId: string;
  channel: string;
  platform: string;
  runtimeVersion: string;
  commitTime: string;
  directive: string;
  signature: string | null;
  keyId: string | null;
}

export interface ExpoStore {
  /** Returns false (and changes nothing) when the release or the update id already has one. */
  insertUpdate(u: ExpoUpdate): Promise<boolean>;
  getUpdate(appId: string, releaseId: string): Promise<ExpoUpdate | null>;
  getUpdateById(appId: string, updateId: string): Promise<ExpoUpdate | null>;

  /** Inserts or replaces (a new key under an old key id replaces its signature). */
  putSigningKey(k: ExpoSigningKey): Promise<void>;
  listSigningKeys(appId: string): Promise<ExpoSigningKey[]>;

  /** Inserts or replaces the directive of its channel, platform and runtime version. */
  putRollback(r: ExpoRollback): Promise<void>;
  getRollback(appId: string, channel: string, platform: string, runtimeVersion: string): Promise<ExpoRollback | null>;
}
