import { promises as dns } from 'node:dns';
import { isIPv4, isIPv6 } from 'node:net';
import { AppError, ErrorCode } from '../errors/app-error.js';
import { ipv4Bytes, ipv6Bytes } from '../net/ip-address.js';

/**
 * Air-gapped mode (WARDEN_AIR_GAPPED=true): a language model may only be reached on this machine or on
 * the organisation's own network, so no question, schema or row ever leaves it.
 *
 * What counts as local, and why:
 * - loopback: 127.0.0.0/8, ::1 (and `localhost`, which must resolve to those);
 * - private: 10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16 (RFC 1918) and fc00::/7 (IPv6 unique local,
 *   RFC 4193, the IPv6 counterpart of RFC 1918);
 * - an IPv4-mapped IPv6 address (::ffff:a.b.c.d) is judged by the IPv4 address inside it.
 * Not local, on purpose:
 * - link-local 169.254.0.0/16 and fe80::/10: not an organisation's network but whatever shares the
 *   link, and where cloud metadata services live (169.254.169.254: a classic way to leak credentials).
 *   A model server there is a misconfiguration.
 * - fd00:ec2::254, the AWS metadata service's IPv6 address, although it lies in fc00::/7, for that reason.
 * - 0.0.0.0/8 and :: (unspecified): not an address to connect to, even if some stacks send it to loopback.
 * - 100.64.0.0/10 (carrier-grade NAT), NAT64 (64:ff9b::/96), 6to4 (2002::/16), IPv4-compatible
 *   (::a.b.c.d) and every public address: they route, or may route, outside the organisation.
 * A host name is resolved, and every address it resolves to must be local: a name with one public
 * address among private ones is refused. (The check runs when a provider is registered or changed and
 * again before each use; a DNS answer that changes in between is still the resolver's to keep honest.)
 */

export type HostLookup = (hostname: string, options: { all: true; verbatim: true }) => Promise<{ address: string; family: number }[]>;

const defaultLookup: HostLookup = (hostname, options) => dns.lookup(hostname, options);

export type AddressKind = 'loopback' | 'private' | 'link-local' | 'metadata' | 'unspecified' | 'public';

/** Throws BAD_USER_INPUT unless every address `baseUrl`'s host stands for is loopback or private. */
export async function checkAirGapped(baseUrl: string, lookup: HostLookup = defaultLookup): Promise<void> {
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch {
    throw new AppError(ErrorCode.BAD_USER_INPUT, 'The base URL is not a valid URL. Give an absolute http:// or https:// URL.', { field: 'baseUrl' });
  }
  // The WHATWG parser has already turned 2130706433, 0x7f.1 and 0177.0.0.1 into 127.0.0.1, and
  // [::FFFF:10.0.0.1] into [::ffff:a00:1]; what is left is a dotted quad, a bracketed IPv6 literal or a name.
  const host = url.hostname.startsWith('[') && url.hostname.endsWith(']') ? url.hostname.slice(1, -1) : url.hostname;
  if (host === '') throw refused(url.hostname, 'it has no host');
  if (isIPv4(host) || isIPv6(host)) {
    const kind = classifyAddress(host);
    if (!isLocalKind(kind)) throw refused(host, `it is ${describeKind(kind)}`);
    return;
  }
  let addresses: { address: string }[];
  try {
    addresses = await lookup(host, { all: true, verbatim: true });
  } catch (error) {
    throw new AppError(
      ErrorCode.BAD_USER_INPUT,
      `The host "${host}" could not be resolved, so Warden cannot tell whether it is local. WARDEN_AIR_GAPPED=true allows only loopback or private addresses: use one, or a name that resolves to one.`,
      { field: 'baseUrl' },
      { cause: error },
    );
  }
  if (addresses.length === 0) throw refused(host, 'it resolves to no address');
  for (const { address } of addresses) {
    const kind = classifyAddress(address);
    if (!isLocalKind(kind)) throw refused(host, `it resolves to ${address}, ${describeKind(kind)}`);
  }
}

/** Whether an address of this kind may be used in air-gapped mode. */
export function isLocalKind(kind: AddressKind): boolean {
  return kind === 'loopback' || kind === 'private';
}

/** What kind of address an IPv4 or IPv6 literal (no brackets) is; `public` for anything not recognised. */
export function classifyAddress(address: string): AddressKind {
  if (isIPv4(address)) return classifyIPv4(ipv4Bytes(address));
  if (!isIPv6(address)) return 'public';
  const bytes = ipv6Bytes(address);
  if (!bytes) return 'public';
  const leadingZeros = (n: number) => bytes.slice(0, n).every((b) => b === 0);
  // ::ffff:a.b.c.d — an IPv4 address carried in IPv6; the socket connects to the IPv4 address.
  if (leadingZeros(10) && bytes[10] === 0xff && bytes[11] === 0xff) return classifyIPv4(bytes.slice(12));
  if (leadingZeros(15) && bytes[15] === 1) return 'loopback';
  if (leadingZeros(16)) return 'unspecified';
  const first = bytes[0] ?? 0;
  const second = bytes[1] ?? 0;
  if (bytes.join(',') === AWS_METADATA_V6) return 'metadata';
  if ((first & 0xfe) === 0xfc) return 'private';
  if (first === 0xfe && (second & 0xc0) === 0x80) return 'link-local';
  return 'public';
}

/** fd00:ec2::254 */
const AWS_METADATA_V6 = [0xfd, 0, 0x0e, 0xc2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x02, 0x54].join(',');

function classifyIPv4(bytes: readonly number[]): AddressKind {
  const [a = 0, b = 0] = bytes;
  if (a === 127) return 'loopback';
  if (a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168)) return 'private';
  if (a === 169 && b === 254) return 'link-local';
  if (a === 0) return 'unspecified';
  return 'public';
}

function describeKind(kind: AddressKind): string {
  switch (kind) {
    case 'link-local':
      return 'a link-local address';
    case 'metadata':
      return 'the address of a cloud metadata service';
    case 'unspecified':
      return 'an unspecified address (0.0.0.0 or ::)';
    default:
      return 'a public address';
  }
}

function refused(host: string, why: string): AppError {
  return new AppError(
    ErrorCode.BAD_USER_INPUT,
    `The language model host "${host}" is not allowed: ${why}. WARDEN_AIR_GAPPED=true allows only loopback or private addresses (127.0.0.0/8, ::1, localhost, 10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16, fc00::/7), so nothing leaves your network.`,
    { field: 'baseUrl' },
  );
}
