import { webhooksApi } from '@updraft/api';
import { CHANNEL_CREATE, type Access } from '../domain/access.js';

// The schema fragments live with the API contract (@updraft/api); the access rules are the server's.
export {
  appParams,
  basisPoints,
  DATE_TIME_PATTERN,
  dateTime,
  envelope,
  errorResponse,
  identifier,
  IDENTIFIER_PATTERN,
  LIMIT_PATTERN,
  noQuery,
  notes,
  PATTERN_WORDING,
  releaseParams,
  SEQ_PATTERN,
  sha256,
  SHA256_PATTERN,
  targeting,
} from '@updraft/api';

/** Who may call each admin route (domain/access.ts explains the rules). */
export const ACCESS = {
  read: { role: 'viewer', scopes: ['read'] },
  /** Publishing reads the releases metadata and asks which blobs are missing: a publish-only CI key may. */
  publishRead: { role: 'viewer', scopes: ['read', 'publish'] },
  publish: { role: 'developer', scopes: ['publish'] },
  releaseOps: { role: 'developer', scopes: ['release'] },
  channelCreate: CHANNEL_CREATE,
  channelProtect: { role: 'admin', scopes: ['channels'] },
  appsWrite: { role: 'admin', scopes: ['apps'] },
  keys: { role: 'admin', scopes: ['keys'] },
  audit: { role: 'admin', scopes: ['audit'] },
  orgCreate: { role: 'owner', scopes: ['orgs'] },
  /** Only a witness credential (a key created with the `witness` scope; `*` does not include it). */
  logCosign: { role: 'viewer', scopes: ['witness'] },
  /** Re-signing what is near expiry changes no content: what a cron job's publish or release key may do. */
  resign: { role: 'developer', scopes: ['release', 'publish'] },
} as const satisfies Record<string, Access>;

/**
 * An admin route's options: who may call it (`config.access`, checked by access-hooks.ts), and
 * the OpenAPI tag and summary beside its request and response schemas from @updraft/api.
 */
export function adminRoute<const S extends object>(
  access: Access,
  tag: string,
  summary: string,
  schema: S,
): { config: { access: Access }; schema: { tags: string[]; summary: string } & S } {
  return { config: { access }, schema: { tags: [tag], summary, ...schema } };
}

/**
 * What a webhook delivery list route answers: the newest `?limit=` deliveries (the API's
 * default when none is asked) as `{ deliveries }`, for the audit webhook's and an app's
 * guardrail webhooks' lists alike.
 */
export async function deliveryList(
  query: { limit?: string },
  list: (limit: number) => Promise<webhooksApi.WebhookDelivery[]>,
): Promise<webhooksApi.WebhookDeliveries> {
  return { deliveries: await list(Number(query.limit ?? webhooksApi.DEFAULT_DELIVERIES_LIMIT)) };
}
