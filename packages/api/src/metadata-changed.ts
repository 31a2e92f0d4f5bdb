import { AdminHttpError } from './client.js';
import { ErrorCode } from './errors.js';

/**
 * Sends of a change the server refused with 409 metadata-changed: the server re-signs director,
 * snapshot and timestamp for it and gave up because other changes of the app kept landing at
 * the same moment; nothing was changed, so sending it again is safe and usually succeeds. One
 * rule for every client of the admin API (the CLI, the dashboard).
 */
export const METADATA_CHANGED_ATTEMPTS = 4;
/** The wait before the second send; it doubles for each further one (with jitter). */
const FIRST_METADATA_BACKOFF_MS = 250;

/** A change (not a read) that the server refused because it lost every race to re-sign. */
export function isMetadataChanged(err: unknown, method: string): err is AdminHttpError {
  return err instanceof AdminHttpError && err.code === ErrorCode.metadataChanged && method !== 'GET';
}

/**
 * Runs `send` (one call of the change `method`) and sends it again while the server answers
 * 409 metadata-changed, up to METADATA_CHANGED_ATTEMPTS sends in all, 0.25/0.5/1 s apart
 * (±50 % jitter, so clients that lost the same race do not meet again). The last refusal, or
 * any other failure, is thrown as it came.
 */
export async function retryMetadataChanged<T>(method: string, send: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await send();
    } catch (err) {
      if (!isMetadataChanged(err, method) || attempt >= METADATA_CHANGED_ATTEMPTS) throw err;
      const wait = FIRST_METADATA_BACKOFF_MS * 2 ** (attempt - 1) * (0.5 + Math.random());
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
  }
}

/** What to say after every send lost the race; `whatToDo` is the client's own wording. */
export function metadataKeptChangingMessage(err: AdminHttpError, whatToDo: string): string {
  return (
    `the server refused this change ${METADATA_CHANGED_ATTEMPTS} times in a row because other changes to the app's signed metadata ` +
    'landed at the same moment each time (publishes, promotes, rollout changes, or another server re-signing); ' +
    `nothing was changed: ${whatToDo}` +
    (err.serverMessage ? ` (server: ${err.serverMessage})` : '')
  );
}
