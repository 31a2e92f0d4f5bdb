/**
 * Operations of /openapi.json that do not declare their responses yet (issue 15 §2), as
 * `METHOD /path` in the document's spelling. This list only shrinks: openapi.test.ts fails
 * when an operation here declares its responses (remove it then) or no longer exists.
 * Do not add to it; a new route declares its responses from the start.
 */
export const PENDING: ReadonlySet<string> = new Set([
  // transparency log, blob upload, events, device resolve, health, repository, source maps, CodePush, Expo
  'GET /v1/apps/{appId}/expo',
  'PUT /v1/apps/{appId}/expo/updates/{releaseId}',
  'GET /v1/apps/{appId}/expo/updates/{releaseId}',
  'POST /v1/apps/{appId}/expo/rollbacks',
  'GET /expo/{appId}',
  'GET /expo/{appId}/assets/{file}',
]);
