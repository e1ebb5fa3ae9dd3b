import ipaddr from 'ipaddr.js';
import { isIP } from 'node:net';

// Which addresses Wisp may connect to when it calls a URL a customer chose (WISP_CALLBACK_NETWORKS,
// docs/security.md). Pure rules over addresses: the connect-time check (src/network/outbound-policy.ts)
// and the request-time check of literal addresses both ask `refusal`.

type Range = [ipaddr.IPv4 | ipaddr.IPv6, number];

export interface OutboundRules {
  /** The setting as written, for messages. */
  readonly text: string;
  /** `any`: every address except link-local and cloud metadata ones. */
  readonly any: boolean;
  /** `public`: globally routable unicast addresses. */
  readonly public: boolean;
  /** Listed CIDRs and addresses: allowed whatever their class, metadata and link-local included. */
  readonly ranges: readonly Range[];
  /** Listed host names (`hooks.example.com`, `*.example.com`): allowed unless they resolve to link-local or metadata addresses. */
  readonly hosts: readonly string[];
}

/** Cloud metadata services (AWS IPv6, Alibaba): never reached unless listed. 169.254.169.254 is link-local. */
const METADATA = ['fd00:ec2::254', '100.100.100.200'];

const HOST_NAME = /^(\*\.)?([a-z0-9]([a-z0-9-]*[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/;

/** ipaddr.js's range names, as a message says them. */
const CLASS_NAMES: Record<string, string> = {
  unicast: 'public',
  loopback: 'loopback',
  private: 'private (RFC 1918)',
  linkLocal: 'link-local',
  carrierGradeNat: 'carrier-grade NAT (100.64.0.0/10)',
  multicast: 'multicast',
  broadcast: 'broadcast',
  unspecified: 'unspecified',
  uniqueLocal: 'unique-local IPv6',
  reserved: 'reserved',
};

/** Parses `any`, `public`, or a list (commas or spaces) of `public`, CIDRs, addresses and host names. */
export function parseOutboundRules(text: string): OutboundRules {
  const items = text.split(/[\s,]+/).filter(Boolean);
  if (items.length === 0) throw new Error('must be any, public, or a list of CIDRs and host names');
  const ranges: Range[] = [];
  const hosts: string[] = [];
  let any = false;
  let isPublic = false;
  for (const raw of items) {
    const item = raw.toLowerCase();
    if (item === 'any') any = true;
    else if (item === 'public') isPublic = true;
    else if (item.includes('/') && ipaddr.isValidCIDR(item)) ranges.push(normalRange(ipaddr.parseCIDR(item)));
    else if (isIP(item)) ranges.push(normalRange([ipaddr.parse(item), ipaddr.parse(item).kind() === 'ipv4' ? 32 : 128]));
    else if (HOST_NAME.test(item) && !/^[0-9.]+$/.test(item)) hosts.push(item);
    else throw new Error(`"${raw}" is neither any, public, a CIDR, an IP address nor a host name`);
  }
  return { text: items.join(','), any, public: isPublic, ranges, hosts };
}

/** A v4-mapped IPv6 range reads as the IPv4 range it maps. */
function normalRange([address, bits]: Range): Range {
  if (address.kind() === 'ipv6' && (address as ipaddr.IPv6).isIPv4MappedAddress() && bits >= 96) {
    return [(address as ipaddr.IPv6).toIPv4Address(), bits - 96];
  }
  return [address, bits];
}

function listed(rules: OutboundRules, address: ipaddr.IPv4 | ipaddr.IPv6): boolean {
  return rules.ranges.some(([range, bits]) => range.kind() === address.kind() && address.match(range, bits));
}

export function hostListed(rules: OutboundRules, hostname: string): boolean {
  const name = hostname.toLowerCase().replace(/\.$/, '');
  return rules.hosts.some((host) => (host.startsWith('*.') ? name.endsWith(host.slice(1)) : name === host));
}

/**
 * Why connecting to `address` (reached through `hostname`) is not allowed, or null when it is.
 * IPv4-mapped IPv6 addresses are judged as the IPv4 address they carry.
 */
export function refusal(rules: OutboundRules, address: string, hostname: string = address): string | null {
  const bare = address.replace(/^\[|\]$/g, '');
  if (!ipaddr.isValid(bare)) return `${address} is not an IP address`;
  const ip = ipaddr.process(bare);
  if (listed(rules, ip)) return null;
  const range = ip.range();
  const shown = ip.toString();
  const setting = `WISP_CALLBACK_NETWORKS=${rules.text}`;
  if (METADATA.includes(shown)) return `${shown} is a cloud metadata address, refused unless WISP_CALLBACK_NETWORKS lists it`;
  if (range === 'linkLocal') return `${shown} is a link-local address, refused unless WISP_CALLBACK_NETWORKS lists it`;
  if (rules.any) return null;
  if (!isIP(hostname.replace(/^\[|\]$/g, '')) && hostListed(rules, hostname)) return null;
  if (rules.public && range === 'unicast') return null;
  const name = CLASS_NAMES[range] ?? `special-purpose (${range})`;
  return `${shown} is a ${name} address, which ${setting} does not allow`;
}

/**
 * The refusal of a URL whose host is a literal IP address (already in WHATWG's normal form, so
 * `http://2130706433/` reads as 127.0.0.1), known before any request is made; null for host names,
 * which are judged when they are resolved.
 */
export function literalRefusal(rules: OutboundRules, url: string): string | null {
  let hostname: string;
  try {
    hostname = new URL(url).hostname;
  } catch {
    return null;
  }
  const bare = hostname.replace(/^\[|\]$/g, '');
  return isIP(bare) ? refusal(rules, bare) : null;
}
