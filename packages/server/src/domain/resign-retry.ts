import { setTimeout as sleep } from 'node:timers/promises';
import { DIRECTOR_ROLE } from '@updraft/protocol';
import { StoreConflictError, type Ports } from '../persistence/persistence.js';
import { conflict, type ApiError } from './api-error.js';

/**
 * Every change that re-signs director, snapshot and timestamp signs the next version of each.
 * Two such changes of one app at the same moment (on PostgreSQL, or two server processes)
 * would both read version n and sign n + 1: the unique key refuses the second one's, or, when
 * the first committed between the second's reads, the second signs n + 2 from what it read
 * before that commit. So each such transaction first locks the app (they take turns), and one
 * that still loses a race (to a change that does not take the lock) is run again from the
 * start, on the state the winner left, a few times: neither is the caller's fault, and the
 * server holds every key these roles need.
 */

/** Runs of the whole transaction before giving up: enough for a burst of changes to one app. */
const ATTEMPTS = 8;
/** The wait before the second run is up to this long, doubling with each run (the jitter spreads the losers). */
const FIRST_BACKOFF_MS = 10;

/** A store whose transaction hands fn a tx with at least the trust port. */
interface ResignStore<S extends Ports<'trust'>> {
  transaction<R>(fn: (tx: S) => Promise<R>): Promise<R>;
}

export function metadataChanged(appId: string): ApiError {
  return conflict(
    'metadata-changed',
    `the signed metadata of ${appId} kept changing while this change was signed (other changes landed at the same moment); nothing was changed: run the command again`,
  );
}

/**
 * Runs fn (a transaction that may call resignPointers or the other online signing functions
 * for `appId`) again whenever it loses such a race. fn must re-read in `tx` everything it
 * decides on, and keep its effects outside the store until this returns. When it still loses
 * after the last run, throws `exhausted()` (by default 409 metadata-changed).
 */
export async function withResignRetry<S extends Ports<'trust'>, T>(
  store: ResignStore<S>,
  appId: string,
  fn: (tx: S) => Promise<T>,
  exhausted: () => Error = () => metadataChanged(appId),
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await store.transaction(async (tx) => {
        await tx.trust.lockApp(appId);
        const before = await directorVersion(tx, appId);
        const result = await fn(tx);
        const after = await directorVersion(tx, appId);
        // READ COMMITTED: a change that committed while fn ran may not be in what fn read.
        if (after > before + 1) {
          throw new StoreConflictError(`the director of ${appId} went from version ${before} to ${after} meanwhile`);
        }
        return result;
      });
    } catch (err) {
      if (!(err instanceof StoreConflictError)) throw err;
      if (attempt >= ATTEMPTS) throw exhausted();
      await sleep(Math.random() * FIRST_BACKOFF_MS * 2 ** (attempt - 1));
    }
  }
}

async function directorVersion(tx: Ports<'trust'>, appId: string): Promise<number> {
  return (await tx.trust.getLatestMetadataVersion(appId, DIRECTOR_ROLE)) ?? 0;
}
