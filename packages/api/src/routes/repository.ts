import { appParams, errorResponses, identifier, rawResponse } from './common.js';

// The static TUF repository devices read (docs/protocol.md §1). Every answer is stored bytes
// (signed documents and files), sent as they are: never parsed or re-serialized.

const notModified = { 304: { description: 'not modified (If-None-Match matched the ETag)' } } as const;
const readErrors = errorResponses(400, 404, 429, 503);

/** GET /repo/:appId/metadata/timestamp.json */
export const timestamp = {
  params: appParams,
  response: {
    200: rawResponse('application/json', 'the latest signed timestamp, as stored'),
    ...notModified,
    ...readErrors,
  },
} as const;

/** GET /repo/:appId/metadata/:file (<N>.<role>.json) */
export const versionedMetadata = {
  params: {
    type: 'object',
    required: ['appId', 'file'],
    properties: { appId: identifier, file: { type: 'string', maxLength: 64 } },
    additionalProperties: false,
  },
  response: { 200: rawResponse('application/json', 'the signed document, as stored'), ...notModified, ...readErrors },
} as const;

/** GET and HEAD /repo/:appId/targets/* (by consistent-snapshot name; Range supported) */
export const target = {
  params: {
    type: 'object',
    required: ['appId', '*'],
    properties: { appId: identifier, '*': { type: 'string', maxLength: 2048 } },
    additionalProperties: false,
  },
  response: {
    200: rawResponse('application/octet-stream', 'the file, as stored'),
    206: rawResponse('application/octet-stream', 'the requested byte range'),
    ...notModified,
    416: { description: 'the range is outside the file: no body, Content-Range names its length' },
    ...readErrors,
  },
} as const;
