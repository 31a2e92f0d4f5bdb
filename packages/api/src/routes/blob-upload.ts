import type { FromSchema } from 'json-schema-to-ts';
import { errorResponses, identifier, sha256 } from './common.js';

/** PUT /v1/apps/:appId/blobs/:sha256: the body is the file's raw bytes, any content type. */
export const uploadBlob = {
  params: {
    type: 'object',
    required: ['appId', 'sha256'],
    properties: { appId: identifier, sha256 },
    additionalProperties: false,
  },
  response: {
    201: {
      description: 'stored (or already held): its hash and length',
      type: 'object',
      required: ['sha256', 'length'],
      properties: { sha256, length: { type: 'integer' } },
      additionalProperties: false,
    },
    ...errorResponses(400, 401, 403, 404, 413, 503, 507),
  },
} as const;
export type StoredBlob = FromSchema<(typeof uploadBlob.response)[201]>;
