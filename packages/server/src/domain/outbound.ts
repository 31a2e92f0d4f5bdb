import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { request as httpRequest, type RequestOptions } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { BlockList, isIP, type LookupFunction } from 'node:net';

/**
 * Outbound requests the server makes on a user's behalf (guardrail and alert webhooks). A
 * URL is only a hint: the address actually connected to is checked, in the socket's own DNS
 * lookup, so a name that resolves to a public address when saved and to 127.0.0.1 (or the
 * cloud metadata service) when called — DNS rebinding — is refused too.
 */

export interface OutboundPolicy {
  /**
   * Development only (`updraft serve --dev-loopback-webhooks`): allow plain http and
   * loopback addresses (127.0.0.0/8, ::1) — never private, link-local or metadata ones.
   */
  allowLoopback: boolean;
}

const blocked = new BlockList();
for (const [net, bits] of [
  ['0.0.0.0', 8], // "this network"
  ['10.0.0.0', 8], // private
  ['100.64.0.0', 10], // CGNAT (RFC 6598)
  ['169.254.0.0', 16], // link-local, incl. the cloud metadata service 169.254.169.254
  ['172.16.0.0', 12], // private
  ['192.0.0.0', 24], // IETF protocol assignments (incl. 192.0.0.192 metadata on some clouds)
  ['192.168.0.0', 16], // private
  ['198.18.0.0', 15], // benchmarking
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, broadcast
] as const) {
  blocked.addSubnet(net, bits, 'ipv4');
}
for (const [net, bits] of [
  ['::', 128], // unspecified
  ['fc00::', 7], // unique local (incl. AWS metadata fd00:ec2::254)
  ['fe80::', 10], // link-local
  ['ff00::', 8], // multicast
  ['64:ff9b::', 96], // NAT64 (may reach any IPv4, private ones included)
  ['2001:db8::', 32], // documentation
] as const) {
  blocked.addSubnet(net, bits, 'ipv6');
}
const loopback = new BlockList();
loopback.addSubnet('127.0.0.0', 8, 'ipv4');
loopback.addAddress('::1', 'ipv6');

function isLoopbackAddress(address: string): boolean {
  const family = isIP(address);
  return family !== 0 && loopback.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

/** Why the address may not be called, or null when it may. */
export function refusedAddress(address: string, policy: OutboundPolicy): string | null {
  let family = isIP(address);
  if (family === 0) return `"${address}", not an IP address`;
  let addr = address;
  // IPv4-mapped IPv6 (::ffff:10.0.0.1) is checked as the IPv4 address it is.
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(addr);
  if (mapped) {
    addr = mapped[1]!;
    family = 4;
  }
  const type = family === 4 ? 'ipv4' : 'ipv6';
  if (isLoopbackAddress(addr)) {
    return policy.allowLoopback ? null : `${address}, a loopback address`;
  }
  if (blocked.check(addr, type)) return `${address}, a private, link-local, CGNAT, metadata or reserved address`;
  return null;
}

/** Checks a webhook URL when it is saved (the address is checked again at every call). */
export function checkWebhookUrl(raw: string, policy: OutboundPolicy): string | null {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'must be an absolute https URL';
  }
  if (url.username || url.password) return 'must not carry a user name or password';
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const literal = isIP(host) !== 0;
  const isLoopbackName = host === 'localhost' || host.endsWith('.localhost');
  if (url.protocol === 'http:') {
    if (!policy.allowLoopback || !(isLoopbackName || isLoopbackAddress(host))) {
      return 'must be https (plain http only to loopback, with serve --dev-loopback-webhooks)';
    }
  } else if (url.protocol !== 'https:') return 'must be an https URL';
  if (literal) {
    const why = refusedAddress(host, policy);
    if (why) return `may not point at ${why}`;
  } else if (isLoopbackName && !policy.allowLoopback) return 'may not point at localhost';
  return null;
}

/** A DNS lookup that fails when any address it would connect to is refused. */
export function guardedLookup(policy: OutboundPolicy): LookupFunction {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return callback(err, '', 0);
      const list = addresses as unknown as LookupAddress[];
      for (const a of list) {
        const why = refusedAddress(a.address, policy);
        if (why) {
          const refused = Object.assign(new Error(`refused: ${hostname} resolves to ${why}`), { code: 'EREFUSED' });
          return callback(refused, '', 0);
        }
      }
      const first = list[0];
      if (!first) return callback(Object.assign(new Error(`${hostname} has no address`), { code: 'ENOTFOUND' }), '', 0);
      // Node asks with all: true when it tries several addresses (autoSelectFamily).
      if ((options as { all?: boolean }).all)
        return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, list);
      return callback(null, first.address, first.family);
    });
  };
}

export interface PostResult {
  ok: boolean;
  status: number | null;
  error: string | null;
}

/**
 * One JSON POST: the address checked at connect time, no redirects (a 3xx is a failure),
 * a timeout, and the answer's body read and dropped (at most 64 KiB).
 */
export function postJson(
  url: string,
  body: string,
  policy: OutboundPolicy,
  timeoutMs: number,
  headers: Record<string, string> = {},
): Promise<PostResult> {
  const why = checkWebhookUrl(url, policy);
  if (why) return Promise.resolve({ ok: false, status: null, error: `webhook URL ${why}` });
  const target = new URL(url);
  const host = target.hostname.replace(/^\[|\]$/g, '');
  const options: RequestOptions = {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(body),
      'user-agent': 'updraft-webhook',
      ...headers,
    },
    lookup: guardedLookup(policy),
    timeout: timeoutMs,
    // A fresh connection per call: a pooled socket would skip the lookup above.
    agent: false,
  };
  return new Promise((resolve) => {
    let settled = false;
    const done = (r: PostResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(r);
    };
    const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
    const req = send(
      {
        ...options,
        protocol: target.protocol,
        hostname: host,
        port: target.port,
        path: target.pathname + target.search,
        servername: isIP(host) ? undefined : host,
      },
      (res) => {
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > 64 * 1024) res.destroy();
        });
        const status = res.statusCode ?? 0;
        const finish = () =>
          done(
            status >= 200 && status < 300
              ? { ok: true, status, error: null }
              : {
                  ok: false,
                  status,
                  error:
                    status >= 300 && status < 400 ? `HTTP ${status} (redirects are not followed)` : `HTTP ${status}`,
                },
          );
        res.on('end', finish);
        res.on('close', finish);
        res.on('error', finish);
      },
    );
    const timer = setTimeout(() => {
      req.destroy(new Error(`timed out after ${timeoutMs} ms`));
    }, timeoutMs);
    req.on('timeout', () => req.destroy(new Error(`timed out after ${timeoutMs} ms`)));
    req.on('error', (err) => done({ ok: false, status: null, error: err.message }));
    req.end(body);
  });
}
