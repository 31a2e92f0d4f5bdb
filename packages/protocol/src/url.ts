import { UpdraftError } from './errors.js';

// Hand-parsed because React Native's URL polyfill lacks hostname/origin on several versions,
// and this check must behave identically on every platform.

export interface ParsedUrl {
  protocol: 'http' | 'https' | string;
  host: string;
  port: string;
  origin: string;
}

const URL_RE = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\/(?:[^@/?#]*@)?(\[[^\]]+\]|[^:/?#]*)(?::(\d+))?([/?#].*)?$/;

export function parseUrl(url: string): ParsedUrl | null {
  const m = URL_RE.exec(url);
  if (!m) return null;
  const protocol = m[1]!.toLowerCase();
  const host = m[2]!.toLowerCase();
  if (host === '') return null;
  const defaultPort = protocol === 'https' ? '443' : protocol === 'http' ? '80' : '';
  const port = m[3] ?? defaultPort;
  return { protocol, host, port, origin: `${protocol}://${host}:${port}` };
}

export function isLoopbackHost(hostname: string): boolean {
  const h = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (h === 'localhost' || h === '::1') return true;
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}

/**
 * Fail closed on transport: https only, except loopback http when the app opted in for
 * development. Throws `insecure-url` before any request is made.
 */
export function checkUrlAllowed(url: string, allowInsecureLoopback: boolean): ParsedUrl {
  const parsed = parseUrl(url);
  if (!parsed) throw new UpdraftError('insecure-url', `"${url}" is not a valid absolute URL`);
  if (parsed.protocol === 'https') return parsed;
  if (parsed.protocol === 'http') {
    if (allowInsecureLoopback && isLoopbackHost(parsed.host)) return parsed;
    throw new UpdraftError(
      'insecure-url',
      allowInsecureLoopback
        ? `${url} uses http on a non-loopback host; use https`
        : `${url} uses http; use https, or allow insecure localhost for development`,
    );
  }
  throw new UpdraftError('insecure-url', `${parsed.protocol}: URLs are not allowed; use https`);
}

/** A redirect may stay on the same origin only (never to another host or to http). */
export function checkRedirectAllowed(from: string, to: string): void {
  const a = parseUrl(from);
  const b = to.startsWith('/') && !to.startsWith('//') ? a : parseUrl(to);
  if (!a || !b || a.origin !== b.origin) {
    throw new UpdraftError('insecure-url', `refused redirect from ${from} to ${to}`);
  }
}
