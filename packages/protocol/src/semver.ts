import { UpdraftError } from './errors.js';

/**
 * A small semantic-version range matcher (the subset of node-semver's range syntax that
 * CodePush's `targetBinaryVersion` users write), pure so it runs on Hermes:
 *
 *   1.2.3   =1.2.3   >1.2   >=1.2.3   <2   <=2.0.0   1.2.x   1.x   *   ^1.2.3   ~1.2.3
 *   1.2.3 - 2.0.0    >=1.2 <2 (space = and)    ^1 || ^2 (|| = or)
 *
 * Versions are `MAJOR[.MINOR[.PATCH]][-prerelease][+build]`, missing parts count as 0 (an
 * app version "2.1" is 2.1.0). Prereleases order by semver precedence (1.0.0-beta < 1.0.0);
 * unlike node-semver, a prerelease is not excluded from a range that names no prerelease.
 */

export interface SemVer {
  major: number;
  minor: number;
  patch: number;
  prerelease: (string | number)[];
}

const MAX_RANGE_LENGTH = 256;
const VERSION = /^v?(\d{1,9})(?:\.(\d{1,9}))?(?:\.(\d{1,9}))?(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?$/;
/** A partial version in a range: x, X and * are wildcards. */
const PARTIAL =
  /^v?(\d{1,9}|[xX*])(?:\.(\d{1,9}|[xX*]))?(?:\.(\d{1,9}|[xX*]))?(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?$/;

export function parseSemVer(text: string): SemVer | null {
  const m = VERSION.exec(text.trim());
  if (!m) return null;
  const prerelease = m[4] ? m[4].split('.').map((p) => (/^\d+$/.test(p) ? Number(p) : p)) : [];
  if (prerelease.some((p) => p === '')) return null;
  return { major: Number(m[1]), minor: Number(m[2] ?? 0), patch: Number(m[3] ?? 0), prerelease };
}

function comparePre(a: (string | number)[], b: (string | number)[]): number {
  if (a.length === 0 || b.length === 0) return b.length - a.length; // no prerelease ranks higher
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const x = a[i];
    const y = b[i];
    if (x === undefined) return -1;
    if (y === undefined) return 1;
    if (x === y) continue;
    if (typeof x === 'number' && typeof y === 'number') return x - y;
    if (typeof x === 'number') return -1;
    if (typeof y === 'number') return 1;
    return x < y ? -1 : 1;
  }
  return 0;
}

export function compareSemVer(a: SemVer, b: SemVer): number {
  return a.major - b.major || a.minor - b.minor || a.patch - b.patch || comparePre(a.prerelease, b.prerelease);
}

type Op = '<' | '<=' | '>' | '>=' | '=';
interface Comparator {
  op: Op;
  version: SemVer;
}
/** OR of ANDs. */
type Range = Comparator[][];

interface Partial {
  major: number | null;
  minor: number | null;
  patch: number | null;
  prerelease: (string | number)[];
}

function rangeError(range: string, why: string): UpdraftError {
  return new UpdraftError('malformed', `version range "${range}" ${why}`);
}

function parsePartial(text: string, range: string): Partial {
  const m = PARTIAL.exec(text);
  if (!m) throw rangeError(range, `has an invalid version "${text}"`);
  const num = (s: string | undefined) => (s === undefined || /^[xX*]$/.test(s) ? null : Number(s));
  const major = num(m[1]);
  const minor = major === null ? null : num(m[2]);
  const patch = minor === null ? null : num(m[3]);
  const prerelease = m[4] ? m[4].split('.').map((p) => (/^\d+$/.test(p) ? Number(p) : p)) : [];
  return { major, minor, patch, prerelease };
}

const v = (major: number, minor = 0, patch = 0, prerelease: (string | number)[] = []): SemVer => ({
  major,
  minor,
  patch,
  prerelease,
});
/** The lowest version of the next major/minor, so `<` excludes all its prereleases too. */
const floorOf = (major: number, minor = 0): SemVer => v(major, minor, 0, [0]);

function exact(p: Partial): SemVer {
  return v(p.major ?? 0, p.minor ?? 0, p.patch ?? 0, p.prerelease);
}

/** `1.2` → >=1.2.0 <1.3.0-0; `*` → everything. */
function xRange(p: Partial): Comparator[] {
  if (p.major === null) return [];
  if (p.minor === null)
    return [
      { op: '>=', version: v(p.major) },
      { op: '<', version: floorOf(p.major + 1) },
    ];
  if (p.patch === null) {
    return [
      { op: '>=', version: v(p.major, p.minor) },
      { op: '<', version: floorOf(p.major, p.minor + 1) },
    ];
  }
  return [{ op: '=', version: exact(p) }];
}

function caret(p: Partial): Comparator[] {
  if (p.major === null) return [];
  const lo: Comparator = { op: '>=', version: exact(p) };
  if (p.major > 0 || p.minor === null) return [lo, { op: '<', version: floorOf(p.major + 1) }];
  if (p.minor > 0 || p.patch === null) return [lo, { op: '<', version: floorOf(0, p.minor + 1) }];
  return [lo, { op: '<', version: v(0, 0, p.patch + 1, [0]) }];
}

function tilde(p: Partial): Comparator[] {
  if (p.major === null) return [];
  const lo: Comparator = { op: '>=', version: exact(p) };
  if (p.minor === null) return [lo, { op: '<', version: floorOf(p.major + 1) }];
  return [lo, { op: '<', version: floorOf(p.major, p.minor + 1) }];
}

/** `>1.2` means above every 1.2.x; `<=1.2` includes every 1.2.x. */
function primitive(op: Op, p: Partial): Comparator[] {
  if (op === '=') return xRange(p);
  if (p.major === null) return op === '<' || op === '>' ? [{ op: '<', version: v(0, 0, 0, [0]) }] : [];
  const complete = p.minor !== null && p.patch !== null;
  if (complete) return [{ op, version: exact(p) }];
  const next = p.minor === null ? floorOf(p.major + 1) : floorOf(p.major, p.minor + 1);
  switch (op) {
    case '>':
      return [{ op: '>=', version: next }];
    case '<=':
      return [{ op: '<', version: next }];
    case '<':
      return [{ op: '<', version: v(p.major, p.minor ?? 0, 0, [0]) }];
    default:
      return [{ op, version: exact(p) }];
  }
}

function parseAnd(part: string, range: string): Comparator[] {
  const hyphen = /^(\S+)\s+-\s+(\S+)$/.exec(part);
  if (hyphen) {
    const lo = parsePartial(hyphen[1]!, range);
    const hi = parsePartial(hyphen[2]!, range);
    return [...(lo.major === null ? [] : [{ op: '>=' as const, version: exact(lo) }]), ...primitive('<=', hi)];
  }
  const out: Comparator[] = [];
  // Allow `>= 1.2.3` as well as `>=1.2.3`.
  const tokens = part
    .replace(/(<=|>=|<|>|=|\^|~)\s+/g, '$1')
    .split(/\s+/)
    .filter(Boolean);
  for (const token of tokens) {
    const m = /^(<=|>=|<|>|=|\^|~>?)?(.*)$/.exec(token)!;
    const op = m[1] ?? '';
    const p = parsePartial(m[2]!, range);
    if (op === '^') out.push(...caret(p));
    else if (op.startsWith('~')) out.push(...tilde(p));
    else out.push(...primitive((op || '=') as Op, p));
  }
  return out;
}

export function parseRange(range: string): Range {
  if (typeof range !== 'string') throw rangeError(String(range), 'must be a string');
  if (range.length > MAX_RANGE_LENGTH) throw rangeError(range.slice(0, 32) + '…', 'is too long');
  const trimmed = range.trim();
  if (trimmed === '') throw rangeError(range, 'is empty; use * for any version');
  return trimmed.split('||').map((part) => {
    if (part.trim() === '') throw rangeError(range, 'has an empty alternative around ||');
    return parseAnd(part.trim(), range);
  });
}

/** Throws `malformed` naming the problem when the range cannot be parsed. */
export function assertRange(range: unknown, what: string): string {
  if (typeof range !== 'string') throw new UpdraftError('malformed', `${what} must be a version range string`);
  try {
    parseRange(range);
  } catch (err) {
    throw new UpdraftError('malformed', `${what}: ${(err as Error).message}`);
  }
  return range;
}

function holds(c: Comparator, version: SemVer): boolean {
  const d = compareSemVer(version, c.version);
  switch (c.op) {
    case '<':
      return d < 0;
    case '<=':
      return d <= 0;
    case '>':
      return d > 0;
    case '>=':
      return d >= 0;
    case '=':
      return d === 0;
  }
}

/** True when `version` is a valid version inside `range`; false for an unparseable version. */
export function satisfies(version: string, range: string): boolean {
  const parsed = parseSemVer(version);
  if (!parsed) return false;
  return parseRange(range).some((and) => and.every((c) => holds(c, parsed)));
}
