/** The admin API as the dashboard uses it: the session cookie, the CSRF header on changes, errors with the server's message. */
import { AdminClient, AdminHttpError, AdminNetworkError } from '@updraft/api';
import { ROLLOUT_BUCKETS, type ReleaseListing } from '@updraft/protocol';

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

export async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  try {
    // An empty answer is null, as before the typed client.
    return ((await client.request<T>(method, path, { json: body })) ?? null) as T;
  } catch (err) {
    if (err instanceof AdminNetworkError) {
      throw new ApiError(0, 'network', 'cannot reach the Updraft server; check that it is running');
    }
    if (err instanceof AdminHttpError) {
      throw new ApiError(
        err.status,
        err.code ?? `http-${err.status}`,
        err.serverMessage ?? `the server answered ${err.status}`,
      );
    }
    throw err;
  }
}

export const enc = encodeURIComponent;

export interface Me {
  id: string;
  name: string;
  kind: string;
  role: string;
  org: { id: string; name: string };
  may: Record<string, boolean>;
}

export interface Pointer {
  channel: string;
  platform: string;
  runtimeVersion: string;
  releaseId: string;
  previousReleaseId: string | null;
  basisPoints: number;
  effectiveBasisPoints: number;
  halted: boolean;
  mandatory: boolean;
  updatedAt: string;
}

export interface Channel {
  name: string;
  protected: boolean;
  createdAt: string;
  pointers: Pointer[];
}

export interface ReleaseRow {
  releaseId: string;
  versionCode: number;
  channel: string;
  platform: string;
  runtimeVersion: string;
  createdAt: string;
}

/** A row of the release list: the release and how it is served now (docs/api.md). */
export interface ReleaseListRow extends ReleaseRow, ReleaseListing {}

export interface ReleaseDetails extends ReleaseRow {
  epoch: number;
  manifestSha256: string;
  notes: string | null;
  disabledAt: string | null;
  allowedChannels: string[];
  current: Pointer[];
  previousOf: Pointer[];
}

export interface Insight {
  totals: Record<string, number>;
  rates: { installSuccess: number | null; crash: number | null; rollback: number | null };
  series: { at: string; counts: Record<string, number>; adoption: number }[];
  from: string;
  to: string;
}

export interface GuardrailHealth {
  channel: string;
  status: string;
  windowFrom: string;
  failureSources: number;
  launches: number;
  crashes: number;
  rollbacks: number;
  crashRate: number | null;
  rollbackRate: number | null;
  guardrail: {
    enabled: boolean;
    thresholdPercent: number;
    lookbackMinutes: number;
    minLaunches: number;
    mode: 'halt' | 'alert';
    modeConfigured: boolean;
    minSources: number;
    /** Null below admin: they see webhookHost. */
    webhookUrl: string | null;
    webhookHost: string | null;
  };
  lastTrip: {
    at: string;
    metric: string;
    rateBp: number;
    launches: number;
    webhookStatus: string;
    action: 'halted' | 'alerted';
  } | null;
}

export interface AuditEntry {
  seq: number;
  appId: string | null;
  actorName: string;
  actorRole: string;
  actorKind: string;
  action: string;
  target: string;
  releaseId: string | null;
  details: Record<string, unknown>;
  at: string;
  hash: string;
}

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
