import type { IncomingMessage } from 'node:http';
import { isIPv4 } from 'node:net';
import proxyaddr from 'proxy-addr';

/**
 * Which proxies in front of the gateway are trusted to append to `X-Forwarded-For` (`TRUST_PROXY`),
 * as Express (`proxy-addr`) spells it: a hop count (0 = none: the socket address), or a list of
 * addresses, CIDRs and the names `loopback`, `linklocal`, `uniquelocal`.
 */
export type TrustProxy = number | readonly string[];

/** The most hops `TRUST_PROXY` may name; no real deployment has more proxies in a row. */
const MAX_HOPS = 100;

/**
 * Parses `TRUST_PROXY`: `true` = one hop (what a single load balancer needs; the meaning the old
 * boolean had for deployments behind one proxy), `false` = none, a number, or a comma list.
 */
export function parseTrustProxy(
  value: string,
): { ok: true; trust: TrustProxy } | { ok: false; reason: string } {
  const text = value.trim().toLowerCase();
  if (text === 'true') return { ok: true, trust: 1 };
  if (text === 'false') return { ok: true, trust: 0 };
  if (/^\d+$/.test(text)) {
    const hops = Number(text);
    return hops <= MAX_HOPS
      ? { ok: true, trust: hops }
      : { ok: false, reason: `must be at most ${MAX_HOPS} hops` };
  }
  const list = text
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
  try {
    if (list.length === 0) throw new Error('empty list');
    proxyaddr.compile(list);
  } catch (error) {
    return {
      ok: false,
      reason: `must be true, false, a hop count, or a comma list of addresses, CIDRs, loopback, linklocal, uniquelocal (${(error as Error).message})`,
    };
  }
  return { ok: true, trust: list };
}

/**
 * The client address of a request: the right-most address in `X-Forwarded-For` that no trusted
 * proxy appended, so the part a client writes itself (the left) is never believed. Compiled once.
 */
export function clientAddress(trust: TrustProxy): (req: IncomingMessage) => string {
  const socketAddress = (req: IncomingMessage) => normalize(req.socket.remoteAddress);
  if (trust === 0) return socketAddress;
  const trusted =
    typeof trust === 'number'
      ? (_address: string, hop: number) => hop < trust
      : proxyaddr.compile([...trust]);
  return (req) => {
    if (req.socket.remoteAddress === undefined) return 'unknown';
    return normalize(proxyaddr(req, trusted));
  };
}

/** `::ffff:192.0.2.1` is 192.0.2.1: one client, one address, whichever stack it came through. */
function normalize(address: string | undefined): string {
  if (!address) return 'unknown';
  const mapped = /^::ffff:(.+)$/i.exec(address)?.[1];
  return mapped && isIPv4(mapped) ? mapped : address;
}
