import {
  canonicalize,
  checkThreshold,
  countValidSignatures,
  parseJsonObject,
  parseRoot,
  parseTargets,
  RELEASES_ROLE,
  verifyRootUpdate,
  type RoleKeys,
  type RootSigned,
  type TufKey,
} from '@updraft/protocol';

/**
 * Which releases keys were in force at each point of an app's transparency log, for
 * `updraft log monitor`. The log holds every root, targets and releases version in the order
 * the server stored them, so replaying it in order gives, at each releases entry, the root
 * chain and the targets version (and so the releases keys) that devices trusted then. A
 * release signed by a key rotated out before it was logged, or by a key never listed, is
 * signed by no key in force, however the current keys look.
 */

/** What the monitor keeps between passes (JSON in its state file). */
export interface KeysInForceState {
  /** The newest logged root version, as served (JSON text), checked in a chain. */
  root: string | null;
  /** The releases role of the newest logged targets version. */
  targets: { version: number; keys: Record<string, TufKey>; releases: RoleKeys } | null;
}

export const NO_KEYS_IN_FORCE: KeysInForceState = { root: null, targets: null };

export interface Signers {
  /** The targets version whose releases keys were in force; null in a log that never logged targets. */
  targetsVersion: number | null;
  keyIds: string[];
}

/** Thrown when the logged trust history itself does not verify. */
export class TrustHistoryError extends Error {}

function checked<T>(what: string, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    throw new TrustHistoryError(`${what}: ${(err as Error).message}`);
  }
}

export class KeysInForce {
  private rootSigned: RootSigned | null;

  /** `anchor` is the owner's root.json: the logged chain must contain it unchanged. */
  constructor(
    private state: KeysInForceState,
    private readonly anchor: RootSigned,
  ) {
    this.rootSigned = state.root === null ? null : parseRoot(JSON.parse(state.root)).signed;
  }

  snapshot(): KeysInForceState {
    return this.state;
  }

  /** A logged root version: the first must carry its own threshold, each next one its predecessor's too. */
  root(bytes: Uint8Array, version: number): void {
    const what = `root version ${version} in the log`;
    const previous = this.rootSigned;
    const next = checked(what, () => {
      if (previous) return verifyRootUpdate(previous, bytes).signed;
      const raw = parseJsonObject(bytes, `${version}.root.json`);
      const env = parseRoot(raw);
      checkThreshold(raw['signed'], env.signatures, env.signed.keys, env.signed.roles.root, 'root (by itself)');
      return env.signed;
    });
    if (next.version !== version) throw new TrustHistoryError(`${what} says it is version ${next.version}`);
    if (version === this.anchor.version && canonicalize(next) !== canonicalize(this.anchor)) {
      throw new TrustHistoryError(`${what} is not the root.json you hold: the history of your keys was rewritten`);
    }
    this.rootSigned = next;
    this.state = { ...this.state, root: new TextDecoder().decode(bytes) };
  }

  /** A logged targets version: signed by the targets keys of the root in force, newer than the last. */
  targets(bytes: Uint8Array, version: number): void {
    const what = `targets version ${version} in the log`;
    const root = this.rootSigned ?? this.anchor;
    const env = checked(what, () => {
      const raw = parseJsonObject(bytes, `${version}.targets.json`);
      const parsed = parseTargets(raw);
      checkThreshold(raw['signed'], parsed.signatures, root.keys, root.roles.targets, `targets (root ${root.version})`);
      return parsed;
    });
    if (env.signed.version !== version) throw new TrustHistoryError(`${what} says it is version ${env.signed.version}`);
    if (this.state.targets && version <= this.state.targets.version) {
      throw new TrustHistoryError(`${what} comes after version ${this.state.targets.version}: a rollback`);
    }
    const role = env.signed.delegations?.roles.find((r) => r.name === RELEASES_ROLE);
    this.state = {
      ...this.state,
      targets: {
        version,
        keys: env.signed.delegations?.keys ?? {},
        releases: role ? { keyids: role.keyids, threshold: role.threshold } : { keyids: [], threshold: 1 },
      },
    };
  }

  /**
   * The releases keys in force that signed this releases version. `current` gives the keys of
   * the repository's current targets, used only for a log older than targets logging.
   */
  async signers(
    raw: Record<string, unknown>,
    current: () => Promise<{ keys: Record<string, TufKey>; keyids: string[] }>,
  ): Promise<Signers> {
    const inForce = this.state.targets;
    const { keys, keyids } = inForce ? { keys: inForce.keys, keyids: inForce.releases.keyids } : await current();
    const env = parseTargets(raw, RELEASES_ROLE);
    const keyIds = keyids.filter(
      (keyid) => countValidSignatures(raw['signed'], env.signatures, keys, { keyids: [keyid], threshold: 1 }) > 0,
    );
    return { targetsVersion: inForce?.version ?? null, keyIds };
  }
}
