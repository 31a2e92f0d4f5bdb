import { UpdraftError } from './errors.js';

// Small validators for untrusted JSON. Each failure is `malformed` and names the field, so a
// device log or a CLI error says exactly what was wrong.

export type Obj = Record<string, unknown>;

export function fail(path: string, expected: string): never {
  throw new UpdraftError('malformed', `${path} must be ${expected}`);
}

export function asObject(value: unknown, path: string): Obj {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) fail(path, 'an object');
  return value as Obj;
}

export function asString(value: unknown, path: string, maxLength = 4096): string {
  if (typeof value !== 'string' || value.length > maxLength) fail(path, `a string of at most ${maxLength} characters`);
  return value;
}

export function asInteger(value: unknown, path: string, min = 0, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max) {
    fail(path, `an integer from ${min} to ${max}`);
  }
  return value;
}

export function asBoolean(value: unknown, path: string): boolean {
  if (typeof value !== 'boolean') fail(path, 'true or false');
  return value;
}

export function asArray(value: unknown, path: string, maxItems = 100_000): unknown[] {
  if (!Array.isArray(value) || value.length > maxItems) fail(path, `an array of at most ${maxItems} items`);
  return value;
}

export function asStringArray(value: unknown, path: string, maxItems = 10_000): string[] {
  return asArray(value, path, maxItems).map((v, i) => asString(v, `${path}[${i}]`));
}

export function asRecord<T>(value: unknown, path: string, each: (v: unknown, p: string) => T): Record<string, T> {
  const obj = asObject(value, path);
  const out: Record<string, T> = Object.create(null) as Record<string, T>;
  for (const key of Object.keys(obj)) out[key] = each(obj[key], `${path}.${key}`);
  return out;
}

export function optional<T>(value: unknown, path: string, parse: (v: unknown, p: string) => T): T | undefined {
  return value === undefined ? undefined : parse(value, path);
}

export const SHA256_HEX = /^[0-9a-f]{64}$/;

export function asSha256(value: unknown, path: string): string {
  const s = asString(value, path, 64);
  if (!SHA256_HEX.test(s)) fail(path, 'a lower-case hex SHA-256');
  return s;
}
