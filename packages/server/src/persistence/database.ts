import type { CodePushStore } from './codepush/codepush-store.js';
import type { ExpoStore } from './expo/expo-store.js';
import type { SourcemapStore } from './sourcemaps/sourcemap-store.js';
import type { AccessStore } from './access-store.js';
import type { InsightStore } from './insight-store.js';
import type { LeaseStore } from './lease-store.js';
import type { TransparencyLogStore } from './transparency-log-store.js';
import type { ReleaseStore } from './release-store.js';
import type { RolloutStore } from './rollout-store.js';
import type { TrustStore } from './trust-store.js';

/**
 * Everything the server remembers except file bytes, as one port per bounded context. Services
 * take the narrowest port they need; SQLite (default) and PostgreSQL implement every port with
 * the same queries, and the contract suites (packages/server/test/contract) run each port on both.
 * Every port hangs off the same connection or transaction, so a change and its audit entry
 * commit together.
 */
export interface Database {
  /** Apps, signed metadata, online keys and their rotation, expiry policy. */
  readonly trust: TrustStore;
  /** Release records and extras, the blobs each app owns, embedded bundles. */
  readonly releases: ReleaseStore;
  /** Channels, pointers with their rollout state, scheduled starts. */
  readonly rollout: RolloutStore;
  /** Organizations, principals (API keys), users, sessions, the sign-in throttle, the audit log. */
  readonly access: AccessStore;
  /** Ingest keys, device events and rollups, event sources, guardrails and trips, the webhook queue. */
  readonly insight: InsightStore;
  /** The transparency log's keys, leaves, checkpoints and cosignatures. */
  readonly transparencyLog: TransparencyLogStore;
  /** Named expiring claims that keep a periodic job on one instance at a time. */
  readonly leases: LeaseStore;
  /** CodePush compatibility: deployments, packages, labels, diff packages. */
  readonly codepush: CodePushStore;
  /** Expo Updates compatibility: signed manifests, the noUpdateAvailable signatures, rollBackToEmbedded directives. */
  readonly expo: ExpoStore;
  /** Source maps kept beside releases (never served to devices). */
  readonly sourcemaps: SourcemapStore;

  /**
   * Runs fn with a database bound to one transaction: all its writes commit together or not at
   * all. Only the `tx` argument may be used inside fn (the embedded SQLite store has a single
   * connection, so using the outer database there would wait forever).
   */
  transaction<T>(fn: (tx: Database) => Promise<T>): Promise<T>;

  /** One round trip to the database; throws when it cannot be reached (for /readyz). */
  ping(): Promise<void>;

  /** Releases the underlying connection(s). */
  close(): Promise<void>;
}

/** The name of one bounded-context port of the Database ('trust', 'releases', …). */
export type PortName = Exclude<keyof Database, 'transaction' | 'ping' | 'close'>;

/**
 * Only the ports K of the Database: what a service or helper that reads and writes through them
 * (outside or inside a transaction) declares it needs, so its signature shows which stores it
 * touches. The whole Database, and a `tx` narrowed to more ports, fit.
 */
export type Ports<K extends PortName> = Pick<Database, K>;

/**
 * The ports K and `transaction` over the same ports: for a service that commits writes to several
 * of them together. Inside fn, `tx` offers exactly the ports K. The whole Database fits (its
 * `transaction` hands fn a Database, which has every port).
 */
export type Transactional<K extends PortName> = Ports<K> & {
  transaction<T>(fn: (tx: Ports<K>) => Promise<T>): Promise<T>;
};

/**
 * A unique key was already taken (e.g. another writer stored the same metadata version first),
 * or the database ended the transaction because it deadlocked with another one: either way
 * nothing of it was stored, and running it again on the new state is right (withResignRetry).
 *
 * Lock order, so that transactions do not deadlock: a transaction that locks an app
 * (TrustStore.lockApp, or any write to its `apps` row) does so before it locks the app's
 * organization (AccessStore.lockOrg, which appendAudit takes), and locks at most one app and
 * one organization. A transaction that breaks the rule is still not answered 500: PostgreSQL
 * ends one side of the deadlock (40P01), which becomes this error.
 */
export class StoreConflictError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StoreConflictError';
  }
}
