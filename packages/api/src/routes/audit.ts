import type { FromSchema } from 'json-schema-to-ts';
import {
  adminReadErrors,
  adminWriteErrors,
  anyObject,
  identifier,
  LIMIT_PATTERN,
  listOf,
  noQuery,
  SEQ_PATTERN,
} from './common.js';
import { listDeliveries } from './webhooks.js';

const nullableString = { type: ['string', 'null'] } as const;

/** One entry of the hash-chained audit log. */
const auditEntry = {
  type: 'object',
  required: [
    'orgId',
    'seq',
    'appId',
    'actorId',
    'actorName',
    'actorRole',
    'actorKind',
    'action',
    'target',
    'releaseId',
    'manifestSha256',
    'signingKeyIds',
    'details',
    'requestId',
    'at',
    'prevHash',
    'appPrevHash',
    'hash',
  ],
  properties: {
    orgId: { type: 'string' },
    seq: { type: 'integer' },
    appId: nullableString,
    actorId: { type: 'string' },
    actorName: { type: 'string' },
    actorRole: { type: 'string' },
    actorKind: { type: 'string' },
    action: { type: 'string' },
    target: { type: 'string' },
    releaseId: nullableString,
    manifestSha256: nullableString,
    signingKeyIds: { type: 'array', items: { type: 'string' } },
    details: anyObject,
    requestId: { type: 'string' },
    at: { type: 'string' },
    prevHash: { type: 'string' },
    appPrevHash: nullableString,
    hash: { type: 'string' },
  },
  additionalProperties: false,
} as const;
export type AuditEntry = FromSchema<typeof auditEntry>;

const auditPage = listOf('entries', auditEntry);
export type AuditPage = FromSchema<typeof auditPage>;

/** GET /v1/audit */
export const listAudit = {
  querystring: {
    type: 'object',
    properties: {
      app: identifier,
      after: { type: 'string', pattern: SEQ_PATTERN },
      limit: { type: 'string', pattern: LIMIT_PATTERN },
    },
    additionalProperties: false,
  },
  response: { 200: auditPage, ...adminReadErrors },
} as const;
export type ListAuditQuery = FromSchema<typeof listAudit.querystring>;

/** An anchor of the organization's head in the `_audit` transparency log. */
const anchorProperties = {
  size: { type: 'integer', description: 'number of records (the newest one’s sequence number)' },
  head: { type: 'string', description: 'hex hash of the newest record' },
  index: { type: 'integer', description: 'its leaf index in the `_audit` log' },
  time: { type: 'string' },
} as const;
const auditAnchor = {
  type: 'object',
  required: ['size', 'head', 'index', 'time'],
  properties: anchorProperties,
  additionalProperties: false,
} as const;

const anchorEvidence = {
  type: 'object',
  required: ['size', 'head', 'index', 'time', 'source', 'logKey', 'checkpoint', 'treeSize', 'inclusion'],
  properties: {
    ...anchorProperties,
    source: { type: 'string', description: '`org:<opaque id>`' },
    logKey: { type: 'string', description: "the `_audit` log's verifier key (pin it: `audit verify --log-key`)" },
    checkpoint: { type: 'string', description: "the `_audit` log's signed checkpoint the proof is against" },
    treeSize: { type: 'integer' },
    inclusion: { type: 'array', items: { type: 'string' }, description: 'RFC 6962 inclusion proof (base64 hashes)' },
  },
  additionalProperties: false,
} as const;

const verification = {
  type: 'object',
  required: ['ok', 'status', 'firstBadSeq', 'orgId', 'appId', 'entries', 'head', 'anchor', 'problems'],
  properties: {
    ok: { type: 'boolean' },
    status: { type: 'string', enum: ['ok', 'broken', 'truncated', 'rewritten'] },
    firstBadSeq: { type: ['integer', 'null'] },
    orgId: { type: 'string' },
    appId: nullableString,
    entries: { type: 'integer' },
    head: { type: 'string' },
    anchor: { ...anchorEvidence, type: ['object', 'null'] },
    problems: {
      type: 'array',
      items: {
        type: 'object',
        required: ['seq', 'problem', 'message'],
        properties: {
          seq: { type: 'integer' },
          problem: { type: 'string', enum: ['edited', 'chain-broken', 'sequence-gap', 'truncated', 'rewritten'] },
          message: { type: 'string' },
        },
        additionalProperties: false,
      },
    },
  },
  additionalProperties: false,
} as const;
export type AuditVerification = FromSchema<typeof verification>;

/** GET /v1/audit/verify */
export const verifyAudit = {
  querystring: { type: 'object', properties: { app: identifier }, additionalProperties: false },
  response: { 200: verification, ...adminReadErrors },
} as const;

const anchorStatus = {
  type: 'object',
  required: ['status', 'departure', 'anchor'],
  properties: {
    status: { type: 'string', enum: ['ok', 'unanchored', 'truncated', 'rewritten'] },
    departure: {
      type: ['object', 'null'],
      required: ['status', 'firstBadSeq', 'message'],
      properties: {
        status: { type: 'string', enum: ['truncated', 'rewritten'] },
        firstBadSeq: { type: 'integer' },
        message: { type: 'string' },
      },
      additionalProperties: false,
    },
    anchor: { ...auditAnchor, type: ['object', 'null'] },
  },
  additionalProperties: false,
} as const;
export type AnchorStatus = FromSchema<typeof anchorStatus>;

/** GET /v1/audit/anchor-status */
export const getAnchorStatus = { querystring: noQuery, response: { 200: anchorStatus, ...adminReadErrors } } as const;

const auditWebhook = {
  type: 'object',
  required: ['webhookUrl'],
  properties: { webhookUrl: nullableString },
  additionalProperties: false,
} as const;
export type AuditWebhook = FromSchema<typeof auditWebhook>;

/** GET /v1/audit/webhook */
export const getAuditWebhook = { querystring: noQuery, response: { 200: auditWebhook, ...adminReadErrors } } as const;

/** PUT /v1/audit/webhook */
export const setAuditWebhook = {
  querystring: noQuery,
  body: {
    type: 'object',
    required: ['url'],
    properties: { url: { type: ['string', 'null'], maxLength: 2048 } },
    additionalProperties: false,
  },
  response: { 200: auditWebhook, ...adminWriteErrors },
} as const;
export type SetAuditWebhookBody = FromSchema<typeof setAuditWebhook.body>;

/** GET /v1/audit/webhook/deliveries: the audit webhook's last deliveries, newest first. */
export const listAuditWebhookDeliveries = {
  querystring: listDeliveries.querystring,
  response: { 200: listDeliveries.response, ...adminReadErrors },
} as const;
