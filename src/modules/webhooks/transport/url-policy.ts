import ipaddr from 'ipaddr.js';

/**
 * Where a webhook may point (contract, "Events and webhooks", SSRF). `checkWebhookUrl` runs when an endpoint is
 * created or updated; `isRefusedAddress` runs again on every address a delivery connects to (send.ts), because a
 * name can re-resolve to an internal address after it was accepted (DNS rebinding).
 */

export const WEBHOOK_URL_MAX_LENGTH = 2048;

/** The contract's refused ranges. IPv4-mapped IPv6 (::ffff:a.b.c.d) is unwrapped and checked as IPv4. */
const REFUSED_V4 = [
  '0.0.0.0/8',
  '10.0.0.0/8',
  '100.64.0.0/10',
  '127.0.0.0/8',
  '169.254.0.0/16',
  '172.16.0.0/12',
  '192.0.0.0/24',
  '192.168.0.0/16',
  '198.18.0.0/15',
  '224.0.0.0/3',
].map((cidr) => ipaddr.IPv4.parseCIDR(cidr));

// Beyond the contract's list (docs/events.md): 192.0.0.0/24 above (IETF protocol assignments, 192.0.0.192 is a cloud
// metadata address), IPv4-translated ::ffff:0:0:0/96, site-local fec0::/10 and the discard prefix 100::/64.
const REFUSED_V6 = ['::/128', '::1/128', 'fc00::/7', 'fe80::/10', 'ff00::/8', '::ffff:0:0:0/96', 'fec0::/10', '100::/64'].map((cidr) =>
  ipaddr.IPv6.parseCIDR(cidr),
);

/**
 * IPv6 prefixes that carry an IPv4 address a gateway or the host may forward to (beyond the contract's
 * IPv4-mapped form): the deprecated IPv4-compatible ::/96, NAT64 (64:ff9b::/96 well-known, 64:ff9b:1::/48
 * local-use; RFC 6052/8215) with the IPv4 in the last 32 bits, and 6to4 (2002::/16) with it in bits 16–48. The
 * embedded IPv4 is checked like any other, so `64:ff9b::7f00:1` is refused while `64:ff9b::808:808` is not.
 */
const NAT64 = [ipaddr.IPv6.parseCIDR('64:ff9b::/96'), ipaddr.IPv6.parseCIDR('64:ff9b:1::/48')];
const IPV4_COMPATIBLE = ipaddr.IPv6.parseCIDR('::/96');
const SIX_TO_FOUR = ipaddr.IPv6.parseCIDR('2002::/16');

function v4FromBytes(bytes: number[]): ipaddr.IPv4 {
  return new ipaddr.IPv4(bytes);
}

function refusedV4(address: ipaddr.IPv4): boolean {
  return REFUSED_V4.some((range) => address.match(range));
}

function embeddedV4(address: ipaddr.IPv6): ipaddr.IPv4 | null {
  const bytes = address.toByteArray();
  if (address.isIPv4MappedAddress()) return address.toIPv4Address();
  if (address.match(IPV4_COMPATIBLE) || NAT64.some((range) => address.match(range))) {
    return v4FromBytes(bytes.slice(12, 16));
  }
  if (address.match(SIX_TO_FOUR)) return v4FromBytes(bytes.slice(2, 6));
  return null;
}

/** Whether an IP address (v4 or v6 text, with or without brackets or a zone) is in a refused range. */
export function isRefusedAddress(ip: string): boolean {
  const text = ip.replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  if (!ipaddr.isValid(text)) return true; // not an address we can judge: refuse rather than guess
  const address = ipaddr.parse(text);
  if (address.kind() === 'ipv4') return refusedV4(address as ipaddr.IPv4);
  const v6 = address as ipaddr.IPv6;
  if (REFUSED_V6.some((range) => v6.match(range))) return true;
  const v4 = embeddedV4(v6);
  return v4 !== null && refusedV4(v4);
}

/** Whether a URL host (as `URL.hostname` gives it) is an IP literal. */
export function isIpLiteral(hostname: string): boolean {
  const text = hostname.replace(/^\[|\]$/g, '');
  return ipaddr.IPv4.isValidFourPartDecimal(text) || (text.includes(':') && ipaddr.IPv6.isValid(text));
}

export type WebhookUrlCheck = { ok: true; url: string } | { ok: false; reason: 'UNSAFE_URL' | 'INVALID_URL'; message: string };

function invalid(message: string): WebhookUrlCheck {
  return { ok: false, reason: 'INVALID_URL', message };
}

function unsafe(message: string): WebhookUrlCheck {
  return { ok: false, reason: 'UNSAFE_URL', message };
}

/**
 * Checks a webhook URL. INVALID_URL: not an absolute http(s) URL of at most 2048 characters without userinfo or
 * fragment. UNSAFE_URL: http under production, or a host that is `localhost`, `*.localhost` or an IP literal in a
 * refused range. `allowPrivateNetworks` (WEBHOOK_ALLOW_PRIVATE_NETWORKS) lifts the UNSAFE_URL rules. The answer's
 * `url` is the WHATWG-normalised form (`http://0x7f.1` is judged, and stored, as `http://127.0.0.1/`).
 */
export function checkWebhookUrl(url: string, opts: { production: boolean; allowPrivateNetworks: boolean }): WebhookUrlCheck {
  if (url.length > WEBHOOK_URL_MAX_LENGTH) {
    return invalid(`The URL is longer than ${WEBHOOK_URL_MAX_LENGTH} characters.`);
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return invalid('The URL is not an absolute URL.');
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return invalid('The URL must be http or https.');
  if (parsed.username !== '' || parsed.password !== '' || /^[a-z][a-z0-9+.-]*:\/*[^/?#]*@/i.test(url.trim())) {
    return invalid('The URL must not carry a user name or password.');
  }
  if (parsed.hash !== '' || url.includes('#')) return invalid('The URL must not have a fragment.');
  if (parsed.hostname === '') return invalid('The URL has no host.');
  if (opts.allowPrivateNetworks) return { ok: true, url: parsed.href };

  if (opts.production && parsed.protocol !== 'https:') return unsafe('The URL must be https.');
  const host = parsed.hostname.toLowerCase().replace(/\.+$/, '');
  if (host === 'localhost' || host.endsWith('.localhost')) return unsafe('The URL points at this machine.');
  if (isIpLiteral(host) && isRefusedAddress(host)) return unsafe('The URL points at a private or reserved address.');
  return { ok: true, url: parsed.href };
}
