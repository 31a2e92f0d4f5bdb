import { UpdraftError } from './errors.js';
import { assertRange, satisfies } from './semver.js';
import { asArray, asObject, asString, fail } from './shape.js';

/**
 * Targeting: which devices a channel pointer's release is for, beyond the channel, platform
 * and runtimeVersion that already address the pointer. Signed by the director inside the
 * pointer, and evaluated by this one function on the device (static mode) and on the server
 * (dynamic mode), so both always agree.
 */
export interface TargetingRules {
  /** Semver range on the app's binary version (CodePush `targetBinaryVersion`), e.g. ">=2.1 <3". */
  appVersion?: string;
  /** Semver range on the operating system version, e.g. ">=16". */
  osVersion?: string;
  /** Semver range on the React Native version, e.g. "~0.76". */
  reactNativeVersion?: string;
  /** The device's CPU architecture must be one of these, e.g. ["arm64"]. */
  arch?: string[];
  /** Every key must be reported by the device with exactly this value. */
  custom?: Record<string, string>;
}

/** What a device reports about itself (all optional: a rule on a missing attribute does not match). */
export interface DeviceAttributes {
  appVersion?: string;
  osVersion?: string;
  reactNativeVersion?: string;
  arch?: string;
  custom?: Record<string, string>;
}

export const MAX_ARCH_VALUES = 16;
export const MAX_CUSTOM_RULES = 32;
const ATTRIBUTE_KEY = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
const ARCH = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,31}$/;
const RANGE_FIELDS = ['appVersion', 'osVersion', 'reactNativeVersion'] as const;
const RULE_FIELDS = new Set<string>([...RANGE_FIELDS, 'arch', 'custom']);

/** Validates targeting rules from untrusted JSON (director metadata, the admin API); `malformed` names the field. */
export function parseTargeting(value: unknown, path: string): TargetingRules {
  const o = asObject(value, path);
  for (const key of Object.keys(o)) {
    if (!RULE_FIELDS.has(key)) fail(`${path}.${key}`, `absent (known rules: ${[...RULE_FIELDS].join(', ')})`);
  }
  const rules: TargetingRules = {};
  for (const f of RANGE_FIELDS) {
    if (o[f] !== undefined) rules[f] = assertRange(asString(o[f], `${path}.${f}`, 256), `${path}.${f}`);
  }
  if (o['arch'] !== undefined) {
    const arch = asArray(o['arch'], `${path}.arch`, MAX_ARCH_VALUES).map((a, i) => {
      const s = asString(a, `${path}.arch[${i}]`, 32);
      if (!ARCH.test(s)) fail(`${path}.arch[${i}]`, 'an architecture name such as arm64, x86_64 or armeabi-v7a');
      return s;
    });
    if (arch.length === 0) fail(`${path}.arch`, 'a non-empty list (omit it to allow every architecture)');
    rules.arch = arch;
  }
  if (o['custom'] !== undefined) {
    const c = asObject(o['custom'], `${path}.custom`);
    const keys = Object.keys(c);
    if (keys.length > MAX_CUSTOM_RULES) fail(`${path}.custom`, `at most ${MAX_CUSTOM_RULES} key=value rules`);
    const custom: Record<string, string> = {};
    for (const k of keys.sort()) {
      if (!ATTRIBUTE_KEY.test(k))
        fail(`${path}.custom key "${k.slice(0, 64)}"`, '1-64 letters, digits, ".", "_" or "-"');
      custom[k] = asString(c[k], `${path}.custom.${k}`, 256);
    }
    rules.custom = custom;
  }
  return rules;
}

export function isEmptyTargeting(rules: TargetingRules | undefined | null): boolean {
  return !rules || Object.keys(rules).length === 0;
}

/**
 * Why a device does not match the rules (one sentence naming the rule), or null when it
 * matches. No rules match every device. An attribute the device does not report fails the
 * rule on it: an update meant for app 2.x must not reach a device that cannot say its version.
 */
export function targetingMismatch(
  rules: TargetingRules | undefined | null,
  device: DeviceAttributes | undefined,
): string | null {
  if (!rules) return null;
  const attrs = device ?? {};
  for (const f of RANGE_FIELDS) {
    const range = rules[f];
    if (range === undefined) continue;
    const actual = attrs[f];
    if (actual === undefined) return `the device does not report ${f} (the release needs ${f} ${range})`;
    if (!satisfies(actual, range)) return `${f} ${actual} is outside ${range}`;
  }
  if (rules.arch) {
    if (attrs.arch === undefined)
      return `the device does not report arch (the release needs one of ${rules.arch.join(', ')})`;
    if (!rules.arch.includes(attrs.arch)) return `arch ${attrs.arch} is not one of ${rules.arch.join(', ')}`;
  }
  if (rules.custom) {
    for (const [k, want] of Object.entries(rules.custom)) {
      const got = attrs.custom?.[k];
      if (got !== want)
        return got === undefined ? `the device does not report custom.${k}` : `custom.${k} is "${got}", not "${want}"`;
    }
  }
  return null;
}

export function matchesTargeting(
  rules: TargetingRules | undefined | null,
  device: DeviceAttributes | undefined,
): boolean {
  return targetingMismatch(rules, device) === null;
}

/** Checks a device's own attributes (client config) so a typo fails at start-up, not silently on every check. */
export function assertDeviceAttributes(value: unknown, what: string): DeviceAttributes {
  const o = asObject(value, what);
  const out: DeviceAttributes = {};
  for (const key of Object.keys(o)) {
    if (!RULE_FIELDS.has(key))
      throw new UpdraftError('malformed', `${what}.${key} is not a known attribute (${[...RULE_FIELDS].join(', ')})`);
  }
  for (const f of [...RANGE_FIELDS, 'arch'] as const) {
    if (o[f] !== undefined) out[f] = asString(o[f], `${what}.${f}`, 128);
  }
  if (o['custom'] !== undefined) {
    const c = asObject(o['custom'], `${what}.custom`);
    out.custom = {};
    for (const [k, val] of Object.entries(c)) out.custom[k] = asString(val, `${what}.custom.${k}`, 256);
  }
  return out;
}
