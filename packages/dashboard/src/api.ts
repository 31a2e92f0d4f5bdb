/** The admin API as the dashboard uses it: the session cookie, the CSRF header on changes, errors with the server's message. */
import {
  AdminClient,
  AdminHttpError,
  AdminNetworkError,
  type accessApi,
  type AdminRoute,
  type auditApi,
  type CallArgs,
  type channelsApi,
  ErrorCode,
  type insightApi,
  isMetadataChanged,
  metadataKeptChangingMessage,
  type releaseOpsApi,
  type releasesApi,
  retryMetadataChanged,
  routeTarget,
  type RouteResponse,
} from '@updraft/api';
import { ROLLOUT_BUCKETS } from '@updraft/protocol';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** The page's own origin with the session cookie; changes carry the CSRF header. */
const client = new AdminClient({ baseUrl: '', session: true });

/**
 * One admin route, typed by its schemas (AdminClient.call); errors as ApiErrors with the
 * server's message. A change the server refused with 409 metadata-changed (it lost every race
 * to re-sign; nothing changed) is sent again, as the CLI does (@updraft/api's rule).
 */
export async function call<R extends AdminRoute>(route: R, ...args: CallArgs<R>): Promise<RouteResponse<R>> {
  const { method } = routeTarget(route, (args[0] ?? {}) as { params?: object; query?: object });
  try {
    return await retryMetadataChanged(method, () => client.call(route, ...args));
  } catch (err) {
    throw apiError(err, method);
  }
}

function apiError(err: unknown, method: string): unknown {
  if (isMetadataChanged(err, method)) {
    return new ApiError(
      err.status,
      ErrorCode.metadataChanged,
      metadataKeptChangingMessage(err, 'wait until those changes are done and try again'),
    );
  }
  if (err instanceof AdminNetworkError) {
    return new ApiError(0, 'network', 'cannot reach the Updraft server; check that it is running');
  }
  if (err instanceof AdminHttpError) {
    return new ApiError(
      err.status,
      err.code ?? `http-${err.status}`,
      err.serverMessage ?? `the server answered ${err.status}`,
    );
  }
  return err;
}

export const enc = encodeURIComponent;

// The shapes are the API contract's (@updraft/api), declared once with the server's schemas.
export type Me = accessApi.Me;
export type Pointer = channelsApi.Pointer;
export type Channel = channelsApi.Channel;
export type ReleaseListRow = releasesApi.ReleaseListRow;
export type ReleaseDetails = releaseOpsApi.ReleaseDetails;
export type Insight = insightApi.ReleaseInsight;
export type GuardrailHealth = insightApi.GuardrailHealth;
export type AuditEntry = auditApi.AuditEntry;

export const pct = (r: number | null | undefined, digits = 1) =>
  r === null || r === undefined ? '—' : `${(r * 100).toFixed(digits)} %`;
export const when = (iso: string) => new Date(iso).toLocaleString();

/**
 * How a channel serves its current release, in one word: 100 % is "serving", not "rolling
 * out"; a halt names who halted (the guardrail, or a person).
 */
export function pointerState(p: { basisPoints: number; halted: boolean }, haltedByGuardrail: boolean): string {
  if (p.halted) return haltedByGuardrail ? 'halted by the guardrail' : 'halted by hand';
  return p.basisPoints >= ROLLOUT_BUCKETS ? 'serving' : 'rolling out';
}
