import { isIPv4, isIPv6 } from 'node:net';

/**
 * IP literals as bytes, and what kind of address each is, for deciding where Warden may connect
 * (egress-policy.ts) and what air-gapped mode counts as local (src/nl/air-gap.ts).
 */

/** The four bytes of a dotted quad (the caller has checked it with isIPv4). */
export function ipv4Bytes(address: string): number[] {
  return address.split('.').map(Number);
}

/** The 16 bytes of an IPv6 literal (`::`, a zone and a trailing dotted quad allowed), or undefined. */
export function ipv6Bytes(address: string): number[] | undefined {
  let text = address.toLowerCase();
  const zone = text.indexOf('%');
  if (zone >= 0) text = text.slice(0, zone);
  const lastColon = text.lastIndexOf(':');
  const last = text.slice(lastColon + 1);
  if (last.includes('.')) {
    // A trailing dotted quad is the last two groups.
    if (!isIPv4(last)) return undefined;
    const [a = 0, b = 0, c = 0, d = 0] = ipv4Bytes(last);
    text = `${text.slice(0, lastColon + 1)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const parse = (part: string) => (part === '' ? [] : part.split(':').map((g) => (/^[0-9a-f]{1,4}$/.test(g) ? Number.parseInt(g, 16) : Number.NaN)));
  const head = parse(halves[0] ?? '');
  const rest = halves.length === 2 ? parse(halves[1] ?? '') : [];
  const groupsKnown = head.length + rest.length;
  if (groupsKnown > 8 || (halves.length === 1 && groupsKnown !== 8)) return undefined;
  const groups = [...head, ...new Array<number>(8 - groupsKnown).fill(0), ...rest];
  if (groups.some((g) => !Number.isInteger(g) || g < 0 || g > 0xffff)) return undefined;
  return groups.flatMap((g) => [g >> 8, g & 0xff]);
}

/**
 * Any IP literal as 16 bytes, IPv4 as its IPv4-mapped IPv6 form (::ffff:a.b.c.d), so that one rule
 * matches both ways of writing an address. Undefined when it is not an IP literal.
 */
export function addressBytes(address: string): number[] | undefined {
  const bare = address.startsWith('[') && address.endsWith(']') ? address.slice(1, -1) : address;
  if (isIPv4(bare)) return [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, ...ipv4Bytes(bare)];
  if (isIPv6(bare)) return ipv6Bytes(bare);
  return undefined;
}

/** Whether an address given as addressBytes is IPv4 (written either way). */
export function isMappedIPv4(bytes: readonly number[]): boolean {
  return bytes.slice(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff;
}

/**
 * What kind of address it is, for egress:
 * - loopback 127.0.0.0/8, ::1; private 10/8, 172.16/12, 192.168/16, fc00::/7; shared 100.64.0.0/10
 *   (carrier-grade NAT); link-local 169.254.0.0/16, fe80::/10; unspecified 0.0.0.0/8, ::;
 *   reserved: multicast, broadcast and 240.0.0.0/4;
 * - metadata: cloud metadata services that do not sit in link-local space (fd00:ec2::254 of AWS,
 *   100.100.100.200 of Alibaba Cloud); 169.254.169.254 is link-local already.
 * An IPv4 address carried inside IPv6 (IPv4-mapped ::ffff:a.b.c.d, IPv4-compatible ::a.b.c.d, NAT64
 * 64:ff9b::/96, 6to4 2002::/16) is judged by the IPv4 address inside when that one is not public:
 * those are ways to reach it.
 */
export type EgressAddressKind = 'loopback' | 'private' | 'shared' | 'link-local' | 'metadata' | 'unspecified' | 'reserved' | 'public';

export function classifyEgressAddress(address: string): EgressAddressKind | undefined {
  const bytes = addressBytes(address);
  return bytes ? classifyBytes(bytes) : undefined;
}

export function classifyBytes(bytes: readonly number[]): EgressAddressKind {
  if (isMappedIPv4(bytes)) return classifyIPv4(bytes.slice(12));
  const zerosUpTo = (n: number) => bytes.slice(0, n).every((b) => b === 0);
  if (zerosUpTo(15) && bytes[15] === 1) return 'loopback';
  if (zerosUpTo(16)) return 'unspecified';
  if (bytes.join(',') === AWS_METADATA_V6) return 'metadata';
  const embedded = embeddedIPv4(bytes);
  if (embedded) {
    const kind = classifyIPv4(embedded);
    if (kind !== 'public') return kind;
  }
  const [first = 0, second = 0] = bytes;
  if ((first & 0xfe) === 0xfc) return 'private';
  if (first === 0xfe && (second & 0xc0) === 0x80) return 'link-local';
  if (first === 0xff) return 'reserved';
  return 'public';
}

/** fd00:ec2::254 */
const AWS_METADATA_V6 = [0xfd, 0, 0x0e, 0xc2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x02, 0x54].join(',');

function embeddedIPv4(bytes: readonly number[]): number[] | undefined {
  // IPv4-compatible ::a.b.c.d (deprecated, but some stacks still route it)
  if (bytes.slice(0, 12).every((b) => b === 0)) return bytes.slice(12);
  // NAT64 well-known prefix 64:ff9b::/96
  if (bytes[0] === 0 && bytes[1] === 0x64 && bytes[2] === 0xff && bytes[3] === 0x9b && bytes.slice(4, 12).every((b) => b === 0)) return bytes.slice(12);
  // 6to4 2002:aabb:ccdd::/48
  if (bytes[0] === 0x20 && bytes[1] === 0x02) return bytes.slice(2, 6);
  return undefined;
}

function classifyIPv4(bytes: readonly number[]): EgressAddressKind {
  const [a = 0, b = 0, c = 0, d = 0] = bytes;
  if (a === 169 && b === 254) return 'link-local';
  if (a === 100 && b === 100 && c === 100 && d === 200) return 'metadata';
  if (a === 127) return 'loopback';
  if (a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168)) return 'private';
  if (a === 100 && b >= 64 && b <= 127) return 'shared';
  if (a === 0) return 'unspecified';
  if (a >= 224) return 'reserved';
  return 'public';
}
