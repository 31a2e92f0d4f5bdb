import { UpdraftError } from './errors.js';
import { utf8Decode, utf8Encode } from './encoding.js';

/** A JSON value as metadata carries it (no floats: canonical JSON forbids them). */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/**
 * OLPC canonical JSON exactly as securesystemslib and @tufjs/canonical-json produce it:
 * keys sorted by UTF-16 code units, no whitespace, only `"` and `\` escaped, integers only.
 * Signatures are computed over these bytes, so any deviation breaks interop.
 */
export function canonicalize(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value)) throw new TypeError(`canonical JSON allows only integers, got ${value}`);
    return String(value);
  }
  if (typeof value === 'string') return canonicalString(value);
  if (Array.isArray(value)) return '[' + value.map((v) => canonicalize(v)).join(',') + ']';
  if (typeof value === 'object') {
    const obj = value as Record<string, unknown>;
    const parts: string[] = [];
    for (const key of Object.keys(obj).sort()) {
      const v = obj[key];
      if (v === undefined) continue;
      parts.push(canonicalString(key) + ':' + canonicalize(v));
    }
    return '{' + parts.join(',') + '}';
  }
  throw new TypeError(`cannot encode ${typeof value} as canonical JSON`);
}

function canonicalString(s: string): string {
  return '"' + s.replace(/\\/g, '\\\\').replace(/"/g, '\\"') + '"';
}

export function canonicalBytes(value: unknown): Uint8Array {
  return utf8Encode(canonicalize(value));
}

/** Caps nesting so hostile input cannot exhaust the stack of a small JS engine. */
const MAX_DEPTH = 64;

/**
 * Parses untrusted JSON bytes. Anything that is not strict UTF-8 JSON with an object at
 * the top, or nests deeper than MAX_DEPTH, is `malformed`.
 */
export function parseJsonObject(bytes: Uint8Array, what: string): Record<string, unknown> {
  let text: string;
  try {
    text = utf8Decode(bytes);
  } catch {
    throw new UpdraftError('malformed', `${what} is not valid UTF-8`);
  }
  const problem = structureProblem(text);
  if (problem) throw new UpdraftError('malformed', `${what} ${problem}`);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new UpdraftError('malformed', `${what} is not valid JSON`, { cause: err });
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new UpdraftError('malformed', `${what} must be a JSON object`);
  }
  return value as Record<string, unknown>;
}

interface Container {
  object: boolean;
  /** In an object: the next string is a key (after '{' or ','). */
  expectKey: boolean;
  keys: Set<string> | null;
}

/**
 * One pass over the text before JSON.parse: nesting deeper than MAX_DEPTH, and an object
 * with the same key twice, are refused. JSON.parse would silently keep the last duplicate,
 * and another parser the first: two readers of the same bytes must never see two documents.
 */
function structureProblem(text: string): string | null {
  const stack: Container[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 34) {
      const start = i + 1;
      let escaped = false;
      for (i = start; i < text.length; i++) {
        const d = text.charCodeAt(i);
        if (d === 92) {
          escaped = true;
          i++;
        } else if (d === 34) break;
      }
      const top = stack[stack.length - 1];
      if (top?.object && top.expectKey) {
        const key = escaped ? decodeKey(text.slice(start, i)) : text.slice(start, i);
        if (key !== null) {
          top.keys ??= new Set();
          if (top.keys.has(key)) return `has the key ${JSON.stringify(key)} twice in one object`;
          top.keys.add(key);
        }
        top.expectKey = false;
      }
    } else if (c === 123 || c === 91) {
      stack.push({ object: c === 123, expectKey: c === 123, keys: null });
      if (stack.length > MAX_DEPTH) return `nests deeper than ${MAX_DEPTH} levels`;
    } else if (c === 125 || c === 93) stack.pop();
    else if (c === 44) {
      const top = stack[stack.length - 1];
      if (top?.object) top.expectKey = true;
    }
  }
  return null;
}

/** A key with escapes, decoded as JSON would; null when it is not valid (JSON.parse then refuses the text). */
function decodeKey(raw: string): string | null {
  try {
    return JSON.parse(`"${raw}"`) as string;
  } catch {
    return null;
  }
}
