import { appParams, errorResponses, identifier, rawResponse } from './common.js';

// The Expo Updates front door for expo-updates clients (docs/guides/expo.md), no credential:
// `updates.url` names the app. The answers are the publisher's bytes, sent as stored: the
// signatures cover the exact manifest and directive bytes, so none of them is ever parsed or
// re-serialized (each is declared as a media type, not as a JSON schema the server would
// serialize with). The request is read from the expo-* headers (expo-platform,
// expo-runtime-version, expo-protocol-version, expo-channel-name, expo-current-update-id,
// expo-embedded-update-id, eas-client-id, expo-expect-signature) and Accept.

const binary = { schema: { type: 'string', format: 'binary' } } as const;

/** Headers of every manifest answer (200 and 204); the protocol signs none of them. */
const protocolHeaders = {
  'expo-protocol-version': { type: 'string', description: 'the protocol version answered: 0 or 1' },
  'expo-sfv-version': { type: 'string', description: '0' },
  'cache-control': { type: 'string', description: 'private, max-age=0' },
} as const;

/** GET /expo/:appId */
export const manifest = {
  params: appParams,
  response: {
    200: {
      description:
        'protocol 1: a multipart/mixed body with one part, the signed manifest or directive (its `expo-signature` a part header); protocol 0, or a client that takes no multipart: the manifest alone, as application/expo+json or application/json, its signature the `expo-signature` header',
      headers: {
        ...protocolHeaders,
        'expo-signature': {
          type: 'string',
          description: 'sig="<base64>", keyid="<key id>" (protocol 0 or a JSON answer of a signed app only)',
        },
      },
      content: { 'multipart/mixed': binary, 'application/expo+json': binary, 'application/json': binary },
    },
    204: {
      description: 'no update, and nothing signed to say so (an app that signs nothing)',
      headers: protocolHeaders,
    },
    ...errorResponses(400, 404, 406, 503),
  },
} as const;

/** GET /expo/:appId/assets/:file (<sha256>.<extension>) */
export const asset = {
  params: {
    type: 'object',
    required: ['appId', 'file'],
    properties: { appId: identifier, file: { type: 'string', pattern: '^[0-9a-f]{64}\\.[A-Za-z0-9]{1,16}$' } },
    additionalProperties: false,
  },
  response: {
    200: rawResponse('*/*', "the asset as stored, under its extension's content type (immutable)"),
    206: rawResponse('*/*', 'the requested byte range'),
    302: { description: "the blob store's public URL (Location), when the server is configured with one" },
    304: { description: 'not modified (If-None-Match matched the ETag)' },
    416: { description: 'the range is outside the file: no body, Content-Range names its length' },
    ...errorResponses(400, 404, 429, 503),
  },
} as const;
