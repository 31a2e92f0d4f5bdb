import { IDENTIFIER } from '@updraft/protocol';

// JSON schema fragments shared by the routes. Patterns mirror @updraft/protocol so that bad
// input is refused at the edge with a 400, before any service runs.

export const IDENTIFIER_PATTERN = IDENTIFIER.source;
export const SHA256_PATTERN = '^[0-9a-f]{64}$';

export const LIMIT_PATTERN = '^([1-9][0-9]{0,2}|1000)$';

export const identifier = { type: 'string', pattern: IDENTIFIER_PATTERN } as const;
export const sha256 = { type: 'string', pattern: SHA256_PATTERN } as const;

/** A TUF envelope; its content is checked by the protocol parsers, which give better messages. */
export const envelope = {
  type: 'object',
  required: ['signed', 'signatures'],
  properties: { signed: { type: 'object' }, signatures: { type: 'array' } },
} as const;

export const appParams = {
  type: 'object',
  required: ['appId'],
  properties: { appId: identifier },
  additionalProperties: false,
} as const;

/** Human wording for the patterns above, used by the error handler. */
export const PATTERN_WORDING: Record<string, string> = {
  [IDENTIFIER_PATTERN]: "1-128 letters, digits, '.', '_' or '-', starting with a letter or digit",
  [SHA256_PATTERN]: 'a lower-case hex SHA-256 (64 characters)',
  [LIMIT_PATTERN]: 'an integer from 1 to 1000',
};
