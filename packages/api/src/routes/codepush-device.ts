import type { FromSchema } from 'json-schema-to-ts';
import { errorResponses, identifier, rawResponse } from './common.js';

// The CodePush front door for react-native-code-push devices (docs/guides/migrate-from-codepush.md): the current
// API (snake_case, /v0.1/public/codepush/…), the legacy one (camelCase, /updateCheck,
// /reportStatus/…) and the package downloads. No credential: the deployment key names the
// deployment. The answers are read by apps already in the field, so each 200 schema lists
// exactly the fields the server sends, in the order it always sent them (the serializer
// writes them in schema order), and queries and reports accept fields they do not know
// (the SDK sends some of its own).

const text = (max: number) => ({ type: 'string', minLength: 1, maxLength: max }) as const;
const optional = (max: number) => ({ type: 'string', maxLength: max }) as const;
const KEY = text(128);
const APP_VERSION = text(64);

const deviceErrors = errorResponses(400, 404, 503);

/** GET /v0.1/public/codepush/update_check */
export const updateCheck = {
  querystring: {
    type: 'object',
    required: ['deployment_key', 'app_version'],
    properties: {
      deployment_key: KEY,
      app_version: APP_VERSION,
      package_hash: optional(128),
      is_companion: optional(8),
      label: optional(64),
      client_unique_id: optional(256),
    },
  },
  response: {
    200: {
      description:
        'the package for this binary, or `is_available: false` (with `update_app_version` for an older binary)',
      type: 'object',
      required: ['update_info'],
      properties: {
        update_info: {
          type: 'object',
          required: [
            'download_url',
            'description',
            'is_available',
            'is_mandatory',
            'app_version',
            'target_binary_range',
            'package_hash',
            'label',
            'package_size',
            'update_app_version',
            'should_run_binary_version',
            'is_disabled',
          ],
          properties: {
            download_url: { type: 'string', description: 'the zip (a diff package when one fits); empty when none' },
            description: { type: 'string', description: 'the release notes' },
            is_available: { type: 'boolean' },
            is_mandatory: { type: 'boolean' },
            app_version: { type: 'string', description: "the device's binary version, normalized" },
            target_binary_range: { type: 'string' },
            package_hash: { type: 'string' },
            label: { type: 'string', description: 'v1, v2…; empty when none' },
            package_size: { type: 'integer', description: 'bytes of the zip at download_url' },
            update_app_version: { type: 'boolean' },
            should_run_binary_version: { type: 'boolean' },
            is_disabled: { type: 'boolean' },
          },
          additionalProperties: false,
        },
      },
      additionalProperties: false,
    },
    ...deviceErrors,
  },
} as const;
export type UpdateCheckQuery = FromSchema<typeof updateCheck.querystring>;
export type UpdateCheckAnswer = FromSchema<(typeof updateCheck.response)[200]>;

/** GET /updateCheck (react-native-code-push ≤ 5.6) */
export const legacyUpdateCheck = {
  querystring: {
    type: 'object',
    required: ['deploymentKey', 'appVersion'],
    properties: {
      deploymentKey: KEY,
      appVersion: APP_VERSION,
      packageHash: optional(128),
      isCompanion: optional(8),
      label: optional(64),
      clientUniqueId: optional(256),
    },
  },
  response: {
    200: {
      description: 'the answer of the current API under the names the legacy SDK reads',
      type: 'object',
      required: ['updateInfo'],
      properties: {
        updateInfo: {
          type: 'object',
          required: [
            'downloadURL',
            'description',
            'isAvailable',
            'isMandatory',
            'appVersion',
            'packageHash',
            'label',
            'packageSize',
            'updateAppVersion',
            'shouldRunBinaryVersion',
          ],
          properties: {
            downloadURL: { type: 'string' },
            description: { type: 'string' },
            isAvailable: { type: 'boolean' },
            isMandatory: { type: 'boolean' },
            appVersion: { type: 'string', description: 'the target binary range' },
            packageHash: { type: 'string' },
            label: { type: 'string' },
            packageSize: { type: 'integer' },
            updateAppVersion: { type: 'boolean' },
            shouldRunBinaryVersion: { type: 'boolean' },
          },
          additionalProperties: false,
        },
      },
      additionalProperties: false,
    },
    ...deviceErrors,
  },
} as const;
export type LegacyUpdateCheckQuery = FromSchema<typeof legacyUpdateCheck.querystring>;
export type LegacyUpdateCheckAnswer = FromSchema<(typeof legacyUpdateCheck.response)[200]>;

const reported = {
  200: {
    description: 'recorded (or nothing to record: a report about the binary, or a label of another server)',
    type: 'object',
    properties: {},
    additionalProperties: false,
  },
  ...errorResponses(400, 404, 413, 415, 503),
} as const;

/** POST /v0.1/public/codepush/report_status/deploy and …/download */
export const reportStatus = {
  body: {
    type: 'object',
    required: ['deployment_key'],
    properties: {
      deployment_key: KEY,
      app_version: optional(64),
      client_unique_id: optional(256),
      label: optional(64),
      status: optional(64),
    },
  },
  response: reported,
} as const;
export type ReportStatusBody = FromSchema<typeof reportStatus.body>;

/** POST /reportStatus/deploy and /reportStatus/download (react-native-code-push ≤ 5.6) */
export const legacyReportStatus = {
  body: {
    type: 'object',
    required: ['deploymentKey'],
    properties: {
      deploymentKey: KEY,
      appVersion: optional(64),
      clientUniqueId: optional(256),
      label: optional(64),
      status: optional(64),
    },
  },
  response: reported,
} as const;
export type LegacyReportStatusBody = FromSchema<typeof legacyReportStatus.body>;

/** GET /v0.1/public/codepush/download/:appId/:zip (a package or diff package, by its SHA-256) */
export const download = {
  params: {
    type: 'object',
    required: ['appId', 'zip'],
    properties: { appId: identifier, zip: { type: 'string', pattern: '^[0-9a-f]{64}\\.zip$' } },
    additionalProperties: false,
  },
  response: {
    200: {
      ...rawResponse('application/zip', 'the zip as stored, with its Content-Length and never an encoding (immutable)'),
      headers: {
        etag: { type: 'string', description: 'the zip’s SHA-256' },
        'content-length': { type: 'integer', description: 'Android compares the bytes it read with it' },
      },
    },
    304: { description: 'not modified (If-None-Match matched the ETag)' },
    ...errorResponses(400, 404, 429, 503),
  },
} as const;
