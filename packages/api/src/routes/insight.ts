import type { FromSchema } from 'json-schema-to-ts';
import { channelParams } from './channels.js';
import {
  adminWrite,
  adminRead,
  adminReadErrors,
  adminWriteErrors,
  appParams,
  dateTime,
  identifier,
  listOf,
  noQuery,
  releaseParams,
} from './common.js';
import { listDeliveries } from './webhooks.js';

const countsByEvent = { type: 'object', additionalProperties: { type: 'integer' } } as const;
const nullableRate = { type: ['number', 'null'] } as const;
const nullableString = { type: ['string', 'null'] } as const;

const releaseInsight = {
  type: 'object',
  required: ['appId', 'releaseId', 'channel', 'from', 'to', 'totals', 'rates', 'series'],
  properties: {
    appId: { type: 'string' },
    releaseId: { type: 'string' },
    channel: nullableString,
    from: { type: 'string' },
    to: { type: 'string' },
    totals: countsByEvent,
    rates: {
      type: 'object',
      required: ['installSuccess', 'crash', 'rollback'],
      properties: {
        installSuccess: { ...nullableRate, description: 'installed / download_started' },
        crash: { ...nullableRate, description: 'crash / launched' },
        rollback: { ...nullableRate, description: 'rollback / launched' },
      },
      additionalProperties: false,
    },
    series: {
      type: 'array',
      description: 'only minutes with events',
      items: {
        type: 'object',
        required: ['at', 'counts', 'adoption'],
        properties: {
          at: { type: 'string', description: 'start of the minute' },
          counts: countsByEvent,
          adoption: { type: 'integer', description: 'devices that confirmed the release so far' },
        },
        additionalProperties: false,
      },
    },
  },
  additionalProperties: false,
} as const;
export type ReleaseInsight = FromSchema<typeof releaseInsight>;

/** GET /v1/apps/:appId/releases/:releaseId/insight */
export const getReleaseInsight = {
  params: releaseParams,
  querystring: {
    type: 'object',
    properties: { channel: identifier, from: dateTime, to: dateTime },
    additionalProperties: false,
  },
  response: { 200: releaseInsight, ...adminReadErrors },
} as const;
export type ReleaseInsightQuery = FromSchema<typeof getReleaseInsight.querystring>;

const guardrailMode = { type: 'string', enum: ['halt', 'alert'] } as const;

/** A channel's guardrail settings. */
const guardrail = {
  type: 'object',
  required: [
    'channel',
    'enabled',
    'thresholdPercent',
    'lookbackMinutes',
    'minLaunches',
    'mode',
    'modeConfigured',
    'minSources',
    'webhookUrl',
    'webhookHost',
    'configured',
    'updatedAt',
  ],
  properties: {
    channel: { type: 'string' },
    enabled: { type: 'boolean' },
    thresholdPercent: { type: 'number' },
    lookbackMinutes: { type: 'integer' },
    minLaunches: { type: 'integer' },
    mode: guardrailMode,
    modeConfigured: {
      type: 'boolean',
      description: 'false while the mode is the default for the channel (alert when protected, halt otherwise)',
    },
    minSources: { type: 'integer' },
    webhookUrl: { ...nullableString, description: 'the whole URL for admins and owners; null for everyone else' },
    webhookHost: nullableString,
    configured: { type: 'boolean', description: 'false while the channel uses the defaults' },
    updatedAt: nullableString,
  },
  additionalProperties: false,
} as const;
export type Guardrail = FromSchema<typeof guardrail>;

const guardrailTrip = {
  type: 'object',
  required: [
    'id',
    'appId',
    'channel',
    'releaseId',
    'metric',
    'rateBp',
    'thresholdBp',
    'launches',
    'failures',
    'at',
    'webhookStatus',
    'webhookAttempts',
    'action',
  ],
  properties: {
    id: { type: 'string' },
    appId: { type: 'string' },
    channel: { type: 'string' },
    releaseId: { type: 'string' },
    metric: { type: 'string', enum: ['crash', 'rollback'] },
    rateBp: { type: 'integer' },
    thresholdBp: { type: 'integer' },
    launches: { type: 'integer' },
    failures: { type: 'integer' },
    at: { type: 'string' },
    webhookStatus: { type: 'string', enum: ['pending', 'delivered', 'failed', 'none'] },
    webhookAttempts: { type: 'integer' },
    action: { type: 'string', enum: ['halted', 'alerted'] },
  },
  additionalProperties: false,
} as const;
export type GuardrailTrip = FromSchema<typeof guardrailTrip>;

const guardrailHealth = {
  type: 'object',
  required: [
    'channel',
    'releaseId',
    'status',
    'windowFrom',
    'failureSources',
    'launches',
    'crashes',
    'rollbacks',
    'crashRate',
    'rollbackRate',
    'guardrail',
    'lastTrip',
  ],
  properties: {
    channel: { type: 'string' },
    releaseId: { type: 'string' },
    status: {
      type: 'string',
      enum: ['halted-by-guardrail', 'alerting', 'watching', 'insufficient-data', 'disabled', 'halted'],
    },
    windowFrom: { type: 'string' },
    failureSources: {
      type: 'integer',
      description: 'distinct network sources that reported a crash or rollback in the window (estimate)',
    },
    launches: { type: 'integer' },
    crashes: { type: 'integer' },
    rollbacks: { type: 'integer' },
    crashRate: nullableRate,
    rollbackRate: nullableRate,
    guardrail,
    lastTrip: { ...guardrailTrip, type: ['object', 'null'] },
  },
  additionalProperties: false,
} as const;
export type GuardrailHealth = FromSchema<typeof guardrailHealth>;

/** GET /v1/apps/:appId/releases/:releaseId/guardrail */
export const getGuardrailHealth = {
  params: releaseParams,
  querystring: {
    type: 'object',
    required: ['channel'],
    properties: { channel: identifier },
    additionalProperties: false,
  },
  response: { 200: guardrailHealth, ...adminReadErrors },
} as const;

const guardrailList = listOf('guardrails', guardrail);
export type GuardrailList = FromSchema<typeof guardrailList>;

/** GET /v1/apps/:appId/guardrails */
export const listGuardrails = adminRead(appParams, guardrailList);

/** PUT /v1/apps/:appId/channels/:channel/guardrail */
/**
 * GET /v1/apps/:appId/webhooks/deliveries: the last deliveries of the app's guardrail webhooks
 * (every channel's), newest first; read like the guardrail settings that name the webhook.
 */
export const listGuardrailWebhookDeliveries = {
  params: appParams,
  querystring: listDeliveries.querystring,
  response: { 200: listDeliveries.response, ...adminReadErrors },
} as const;

export const setGuardrail = adminWrite(
  channelParams,
  {
    type: 'object',
    additionalProperties: false,
    properties: {
      enabled: { type: 'boolean' },
      thresholdPercent: { type: 'number', minimum: 0.01, maximum: 100 },
      lookbackMinutes: { type: 'integer', minimum: 1, maximum: 1440 },
      minLaunches: { type: 'integer', minimum: 1, maximum: 1_000_000 },
      webhookUrl: { anyOf: [{ type: 'string', minLength: 8, maxLength: 2048 }, { type: 'null' }] },
      mode: guardrailMode,
      minSources: { type: 'integer', minimum: 1, maximum: 100_000 },
    },
  },
  guardrail,
);
export type GuardrailBody = FromSchema<typeof setGuardrail.body>;

const ingestKeySummary = {
  type: 'object',
  required: ['id', 'appId', 'name', 'createdAt', 'createdBy', 'revokedAt'],
  properties: {
    id: { type: 'string' },
    appId: { type: 'string' },
    name: { type: 'string' },
    createdAt: { type: 'string' },
    createdBy: { type: 'string' },
    revokedAt: nullableString,
  },
  additionalProperties: false,
} as const;
export type IngestKeySummary = FromSchema<typeof ingestKeySummary>;

const createdIngestKey = {
  ...ingestKeySummary,
  required: [...ingestKeySummary.required, 'key'],
  properties: { ...ingestKeySummary.properties, key: { type: 'string', description: 'shown once' } },
} as const;
export type CreatedIngestKey = FromSchema<typeof createdIngestKey>;

/** POST /v1/apps/:appId/ingest-keys */
export const createIngestKey = {
  params: appParams,
  body: {
    type: 'object',
    required: ['name'],
    properties: { name: { type: 'string', minLength: 1, maxLength: 128, pattern: '^[^\\u0000-\\u001f\\u007f]+$' } },
    additionalProperties: false,
  },
  response: { 201: createdIngestKey, ...adminWriteErrors },
} as const;

const ingestKeyList = listOf('keys', ingestKeySummary);
export type IngestKeyList = FromSchema<typeof ingestKeyList>;

/** GET /v1/apps/:appId/ingest-keys */
export const listIngestKeys = adminRead(appParams, ingestKeyList);

/** DELETE /v1/apps/:appId/ingest-keys/:keyId */
export const revokeIngestKey = {
  params: {
    type: 'object',
    required: ['appId', 'keyId'],
    properties: { appId: identifier, keyId: { type: 'string', pattern: '^[0-9a-f-]{36}$' } },
    additionalProperties: false,
  },
  querystring: noQuery,
  response: { 200: ingestKeySummary, ...adminWriteErrors },
} as const;
