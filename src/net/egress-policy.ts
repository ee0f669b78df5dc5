import { addressBytes, classifyBytes, type EgressAddressKind } from './ip-address.js';

/**
 * Where Warden may connect on its own initiative (webhooks, export destinations, S3-compatible
 * buckets, language model providers): a pure decision over an address (and the host name it came
 * from), so the same rules are applied when a URL is saved and when a socket is about to connect.
 *
 * Rules, in order:
 * 1. Never: link-local addresses (169.254.0.0/16, fe80::/10) and cloud metadata services
 *    (169.254.169.254, fd00:ec2::254, 100.100.100.200; metadata.google.internal and the like by
 *    name), whatever WARDEN_EGRESS_ALLOW says.
 * 2. WARDEN_EGRESS_DENY: an address in a listed CIDR, or a listed host name, is refused.
 * 3. Local-only (air-gapped mode, for language models): loopback and private addresses only.
 * 4. WARDEN_EGRESS_ALLOW: an address in a listed CIDR, or a listed host name, is allowed.
 * 5. Otherwise public addresses are allowed, and loopback, private, shared (100.64.0.0/10),
 *    unspecified and reserved ones are refused.
 * IPv4 written as IPv6 (::ffff:a.b.c.d and the other embeddings) is judged as the IPv4 address.
 */

export type EgressRule =
  | { kind: 'cidr'; text: string; bytes: number[]; prefixBits: number }
  | { kind: 'host'; text: string; name: string; subdomains: boolean };

export interface EgressSettings {
  allow: readonly EgressRule[];
  deny: readonly EgressRule[];
}

export const DEFAULT_EGRESS_SETTINGS: EgressSettings = { allow: [], deny: [] };

export type EgressDecision = { allowed: true } | { allowed: false; kind: EgressAddressKind | 'listed' | 'not-local'; reason: string };

export interface DecideOptions {
  /** Only loopback and private addresses (air-gapped mode, for language models). */
  localOnly?: boolean;
}

/** Names of cloud metadata services, refused whatever they resolve to. */
const METADATA_HOSTS = new Set(['metadata.google.internal', 'metadata.goog', 'metadata', 'instance-data', 'instance-data.ec2.internal', 'metadata.azure.internal']);

/** Lower case, without the trailing dot a fully qualified name may carry, without IPv6 brackets. */
export function normalizeHost(host: string): string {
  const bare = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  return bare.toLowerCase().replace(/\.+$/, '');
}

/**
 * Parses a WARDEN_EGRESS_ALLOW / _DENY value: comma-separated CIDRs (10.0.0.0/8, fd00::/8), single
 * addresses (a /32 or /128) and host names (hooks.example.com; *.example.com for every name below it).
 * Throws an Error naming the entry it cannot read.
 */
export function parseEgressRules(text: string): EgressRule[] {
  const rules: EgressRule[] = [];
  for (const raw of text.split(',')) {
    const entry = raw.trim();
    if (entry === '') continue;
    const slash = entry.indexOf('/');
    const addressPart = slash >= 0 ? entry.slice(0, slash) : entry;
    const bytes = addressBytes(addressPart);
    if (bytes) {
      const isV4 = !addressPart.includes(':');
      const max = isV4 ? 32 : 128;
      const prefixText = slash >= 0 ? entry.slice(slash + 1) : String(max);
      const prefix = /^\d{1,3}$/.test(prefixText) ? Number(prefixText) : Number.NaN;
      if (!(prefix >= 0 && prefix <= max)) throw new Error(`"${entry}" has a prefix length that is not 0 to ${max}`);
      rules.push({ kind: 'cidr', text: entry, bytes, prefixBits: isV4 ? 96 + prefix : prefix });
      continue;
    }
    if (slash >= 0) throw new Error(`"${entry}" is not a CIDR (e.g. 10.0.0.0/8 or fd00::/8)`);
    const subdomains = entry.startsWith('*.');
    const name = normalizeHost(subdomains ? entry.slice(2) : entry);
    if (!/^(?=.{1,253}$)[a-z0-9_]([a-z0-9_-]{0,62})(\.[a-z0-9_]([a-z0-9_-]{0,62}))*$/.test(name)) {
      throw new Error(`"${entry}" is neither a CIDR, an IP address nor a host name`);
    }
    rules.push({ kind: 'host', text: entry, name, subdomains });
  }
  return rules;
}

function matchesCidr(rule: EgressRule & { kind: 'cidr' }, bytes: readonly number[]): boolean {
  let bits = rule.prefixBits;
  for (let i = 0; i < 16 && bits > 0; i++, bits -= 8) {
    const mask = bits >= 8 ? 0xff : (0xff << (8 - bits)) & 0xff;
    if (((bytes[i] ?? 0) & mask) !== ((rule.bytes[i] ?? 0) & mask)) return false;
  }
  return true;
}

function matchesHost(rule: EgressRule & { kind: 'host' }, host: string): boolean {
  return rule.subdomains ? host.endsWith(`.${rule.name}`) : host === rule.name;
}

function listed(rules: readonly EgressRule[], bytes: readonly number[] | undefined, host: string | undefined): EgressRule | undefined {
  return rules.find((rule) => (rule.kind === 'cidr' ? bytes !== undefined && matchesCidr(rule, bytes) : host !== undefined && matchesHost(rule, host)));
}

/** Whether the host name alone decides: a metadata service's name, or a name WARDEN_EGRESS_DENY lists. Undefined when the addresses must decide. */
export function decideHostName(settings: EgressSettings, hostName: string): EgressDecision | undefined {
  const host = normalizeHost(hostName);
  if (METADATA_HOSTS.has(host)) return { allowed: false, kind: 'metadata', reason: 'is a cloud metadata service, which Warden never calls' };
  const denied = listed(settings.deny, undefined, host);
  if (denied) return { allowed: false, kind: 'listed', reason: `is listed in WARDEN_EGRESS_DENY (${denied.text})` };
  return undefined;
}

/**
 * May Warden connect to `address` (an IP literal), reached through the name `hostName` (omit for a
 * URL that names the address itself)? The reason completes a sentence that starts with what was
 * asked for ("the webhook URL …") and never holds the host name.
 */
export function decideAddress(settings: EgressSettings, address: string, hostName?: string, options: DecideOptions = {}): EgressDecision {
  const bytes = addressBytes(address);
  if (!bytes) return { allowed: false, kind: 'reserved', reason: 'does not resolve to an IP address' };
  const host = hostName === undefined ? undefined : normalizeHost(hostName);
  const resolves = host === undefined ? 'is' : 'resolves to';
  const kind = classifyBytes(bytes);
  if (kind === 'link-local') return { allowed: false, kind, reason: `${resolves} a link-local address (where cloud metadata services live), which Warden never calls` };
  if (kind === 'metadata') return { allowed: false, kind, reason: `${resolves} a cloud metadata service address, which Warden never calls` };
  if (host !== undefined) {
    const byName = decideHostName(settings, host);
    if (byName) return byName;
  }
  const denied = listed(settings.deny, bytes, undefined);
  if (denied) return { allowed: false, kind: 'listed', reason: `${resolves} an address listed in WARDEN_EGRESS_DENY (${denied.text})` };
  if (options.localOnly) {
    if (kind === 'loopback' || kind === 'private') return { allowed: true };
    return {
      allowed: false,
      kind: 'not-local',
      reason: `${resolves} ${describeKind(kind)}; WARDEN_AIR_GAPPED=true allows only loopback or private addresses, so nothing leaves your network`,
    };
  }
  if (listed(settings.allow, bytes, host)) return { allowed: true };
  if (kind === 'public') return { allowed: true };
  return { allowed: false, kind, reason: `${resolves} ${describeKind(kind)}, which Warden does not call unless WARDEN_EGRESS_ALLOW lists it` };
}

function describeKind(kind: EgressAddressKind): string {
  switch (kind) {
    case 'loopback':
      return 'a loopback address';
    case 'private':
      return 'a private address';
    case 'shared':
      return 'a shared (carrier-grade NAT) address';
    case 'unspecified':
      return 'an unspecified address (0.0.0.0 or ::)';
    case 'reserved':
      return 'a multicast, broadcast or reserved address';
    case 'link-local':
      return 'a link-local address';
    case 'metadata':
      return 'a cloud metadata service address';
    case 'public':
      return 'a public address';
  }
}
