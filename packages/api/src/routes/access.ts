import type { FromSchema } from 'json-schema-to-ts';
import { adminReadErrors, adminWriteErrors, dateTime, identifier, listOf, noQuery } from './common.js';

import { PRINCIPAL_KINDS, ROLES, SCOPES } from '../vocabulary.js';

export { PRINCIPAL_KINDS, ROLES, SCOPES, type PrincipalKind, type Role, type Scope } from '../vocabulary.js';

const role = { type: 'string', enum: ROLES } as const;
const kind = { type: 'string', enum: PRINCIPAL_KINDS } as const;
const keyName = { type: 'string', minLength: 1, maxLength: 128, pattern: '^[^\\u0000-\\u001f\\u007f]+$' } as const;
const uuid = { type: 'string', pattern: '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' } as const;
const nullableString = { type: ['string', 'null'] } as const;

const keySummaryProperties = {
  id: { type: 'string' },
  name: { type: 'string' },
  kind,
  role,
  scopes: { type: 'array', items: { type: 'string' } },
  createdAt: { type: 'string' },
  createdBy: nullableString,
  expiresAt: nullableString,
  lastUsedAt: nullableString,
  revokedAt: nullableString,
  apps: {
    type: ['array', 'null'],
    items: { type: 'string' },
    description: 'the apps the key is limited to; null = every app of the organization',
  },
} as const;

/** An API key as listed (never the key itself). */
const apiKeySummary = {
  type: 'object',
  required: [
    'id',
    'name',
    'kind',
    'role',
    'scopes',
    'createdAt',
    'createdBy',
    'expiresAt',
    'lastUsedAt',
    'revokedAt',
    'apps',
  ],
  properties: keySummaryProperties,
  additionalProperties: false,
} as const;
export type ApiKeySummary = FromSchema<typeof apiKeySummary>;

const createdKey = {
  ...apiKeySummary,
  required: [...apiKeySummary.required, 'key'],
  properties: { ...keySummaryProperties, key: { type: 'string', description: 'shown once' } },
} as const;
export type CreatedKey = FromSchema<typeof createdKey>;

/** POST /v1/keys */
export const createKey = {
  body: {
    type: 'object',
    required: ['name', 'role'],
    properties: {
      name: keyName,
      role,
      kind: { ...kind, description: 'service = a CI service account' },
      scopes: { type: 'array', maxItems: SCOPES.length + 1, items: { type: 'string', enum: ['*', ...SCOPES] } },
      expiresAt: dateTime,
      apps: {
        type: 'array',
        minItems: 1,
        maxItems: 100,
        items: identifier,
        description: 'limit the key to these apps; every other app answers 404 (default: every app)',
      },
    },
    additionalProperties: false,
  },
  response: { 201: createdKey, ...adminWriteErrors },
} as const;
export type CreateKeyBody = FromSchema<typeof createKey.body>;

const keyList = listOf('keys', apiKeySummary);
export type KeyList = FromSchema<typeof keyList>;

/** GET /v1/keys */
export const listKeys = { querystring: noQuery, response: { 200: keyList, ...adminReadErrors } } as const;

/** DELETE /v1/keys/:keyId */
export const revokeKey = {
  params: { type: 'object', required: ['keyId'], properties: { keyId: uuid }, additionalProperties: false },
  response: { 200: apiKeySummary, ...adminWriteErrors },
} as const;

const organizationProperties = {
  id: { type: 'string' },
  name: { type: 'string' },
  createdAt: { type: 'string' },
} as const;

const organization = {
  type: 'object',
  required: ['id', 'name', 'createdAt', 'apps'],
  properties: {
    ...organizationProperties,
    apps: { type: 'array', items: { type: 'string' }, description: 'the apps the caller may reach' },
  },
  additionalProperties: false,
} as const;
export type Organization = FromSchema<typeof organization>;

/** GET /v1/org */
export const getOrganization = { querystring: noQuery, response: { 200: organization, ...adminReadErrors } } as const;

const createdOrganization = {
  type: 'object',
  required: ['id', 'name', 'createdAt', 'ownerKey'],
  properties: {
    ...organizationProperties,
    ownerKey: {
      type: 'object',
      required: ['id', 'key'],
      properties: { id: { type: 'string' }, key: { type: 'string', description: 'shown once' } },
      additionalProperties: false,
    },
  },
  additionalProperties: false,
} as const;
export type CreatedOrganization = FromSchema<typeof createdOrganization>;

/** POST /v1/orgs */
export const createOrganization = {
  body: {
    type: 'object',
    required: ['id', 'name'],
    properties: { id: identifier, name: keyName },
    additionalProperties: false,
  },
  response: { 201: createdOrganization, ...adminWriteErrors },
} as const;
export type CreateOrganizationBody = FromSchema<typeof createOrganization.body>;

const me = {
  type: 'object',
  required: ['id', 'name', 'kind', 'role', 'scopes', 'org', 'may'],
  properties: {
    id: { type: 'string' },
    name: { type: 'string' },
    kind,
    role,
    scopes: { type: 'array', items: { type: 'string' } },
    org: {
      type: 'object',
      required: ['id', 'name'],
      properties: { id: { type: 'string' }, name: { type: 'string' } },
      additionalProperties: false,
    },
    may: {
      type: 'object',
      description: 'what the caller may do, per named access rule',
      additionalProperties: { type: 'boolean' },
    },
  },
  additionalProperties: false,
} as const;
export type Me = FromSchema<typeof me>;

/** GET /v1/me */
export const getMe = { querystring: noQuery, response: { 200: me, ...adminReadErrors } } as const;

const userSummary = {
  type: 'object',
  required: ['id', 'email', 'role', 'createdAt', 'createdBy', 'disabledAt'],
  properties: {
    id: { type: 'string' },
    email: { type: 'string' },
    role,
    createdAt: { type: 'string' },
    createdBy: { type: 'string' },
    disabledAt: nullableString,
  },
  additionalProperties: false,
} as const;
export type UserSummary = FromSchema<typeof userSummary>;

/** POST /v1/users */
export const createUser = {
  body: {
    type: 'object',
    required: ['email', 'role', 'password'],
    properties: {
      email: { type: 'string', minLength: 3, maxLength: 254, pattern: '^[^@\\s]+@[^@\\s]+$' },
      role,
      password: { type: 'string', minLength: 12, maxLength: 1024 },
    },
    additionalProperties: false,
  },
  response: { 201: userSummary, ...adminWriteErrors },
} as const;
export type CreateUserBody = FromSchema<typeof createUser.body>;

const userList = listOf('users', userSummary);
export type UserList = FromSchema<typeof userList>;

/** GET /v1/users */
export const listUsers = { querystring: noQuery, response: { 200: userList, ...adminReadErrors } } as const;

/** DELETE /v1/users/:userId */
export const disableUser = {
  params: {
    type: 'object',
    required: ['userId'],
    properties: { userId: { type: 'string', pattern: '^[0-9a-f-]{36}$' } },
    additionalProperties: false,
  },
  querystring: noQuery,
  response: { 200: userSummary, ...adminWriteErrors },
} as const;

const session = {
  type: 'object',
  required: ['expiresAt'],
  properties: { expiresAt: { type: 'string' } },
  additionalProperties: false,
} as const;
export type Session = FromSchema<typeof session>;

/** POST /auth/session */
export const signIn = {
  body: {
    type: 'object',
    additionalProperties: false,
    properties: {
      org: { ...identifier, description: "the user's organization (default: the server's first one)" },
      email: { type: 'string', minLength: 3, maxLength: 254 },
      password: { type: 'string', minLength: 1, maxLength: 1024 },
      apiKey: { type: 'string', minLength: 1, maxLength: 256 },
    },
  },
  response: { 200: session, ...adminWriteErrors },
} as const;
export type SignInBody = FromSchema<typeof signIn.body>;

const signedOut = {
  type: 'object',
  required: ['ok'],
  properties: { ok: { type: 'boolean', const: true } },
  additionalProperties: false,
} as const;

/** DELETE /auth/session */
export const signOut = { response: { 200: signedOut, ...adminWriteErrors } } as const;
