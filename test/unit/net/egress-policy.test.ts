import { describe, expect, it } from 'vitest';
import { decideAddress, decideHostName, DEFAULT_EGRESS_SETTINGS, parseEgressRules, type EgressSettings } from '../../../src/net/egress-policy.js';

const allowing = (allow: string, deny = ''): EgressSettings => ({ allow: parseEgressRules(allow), deny: parseEgressRules(deny) });

describe('egress policy: defaults', () => {
  it.each([
    ['169.254.169.254', 'link-local'],
    ['169.254.170.2', 'link-local'],
    ['fe80::1', 'link-local'],
    ['::ffff:169.254.169.254', 'link-local'],
    ['::ffff:a9fe:a9fe', 'link-local'],
    ['64:ff9b::a9fe:a9fe', 'link-local'],
    ['2002:a9fe:a9fe::1', 'link-local'],
    ['fd00:ec2::254', 'metadata'],
    ['100.100.100.200', 'metadata'],
    ['127.0.0.1', 'loopback'],
    ['127.8.9.10', 'loopback'],
    ['::1', 'loopback'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['10.1.2.3', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.0.10', 'private'],
    ['fc00::1', 'private'],
    ['fd12::1', 'private'],
    ['::ffff:10.0.0.1', 'private'],
    ['100.64.0.1', 'shared'],
    ['100.127.255.255', 'shared'],
    ['0.0.0.0', 'unspecified'],
    ['::', 'unspecified'],
    ['224.0.0.1', 'reserved'],
    ['255.255.255.255', 'reserved'],
  ])('refuses %s (%s)', (address, kind) => {
    const decision = decideAddress(DEFAULT_EGRESS_SETTINGS, address);
    expect(decision).toMatchObject({ allowed: false, kind });
  });

  it.each(['93.184.216.34', '8.8.8.8', '172.32.0.1', '100.128.0.1', '2606:4700::1111', '::ffff:8.8.8.8'])('allows the public address %s', (address) => {
    expect(decideAddress(DEFAULT_EGRESS_SETTINGS, address)).toEqual({ allowed: true });
  });

  it('says why, without the host name', () => {
    const decision = decideAddress(DEFAULT_EGRESS_SETTINGS, '169.254.169.254', 'rebind.attacker.example');
    expect(decision.allowed).toBe(false);
    if (decision.allowed) return;
    expect(decision.reason).toContain('resolves to a link-local address');
    expect(decision.reason).not.toContain('attacker');
    const loopback = decideAddress(DEFAULT_EGRESS_SETTINGS, '127.0.0.1');
    expect(!loopback.allowed && loopback.reason).toContain('WARDEN_EGRESS_ALLOW');
  });

  it('refuses cloud metadata services by name, whatever they resolve to', () => {
    for (const name of ['metadata.google.internal', 'METADATA.GOOGLE.INTERNAL.', 'metadata.goog', 'instance-data.ec2.internal']) {
      expect(decideHostName(DEFAULT_EGRESS_SETTINGS, name), name).toMatchObject({ allowed: false, kind: 'metadata' });
      expect(decideAddress(allowing('0.0.0.0/0'), '93.184.216.34', name), name).toMatchObject({ allowed: false });
    }
    expect(decideHostName(DEFAULT_EGRESS_SETTINGS, 'hooks.example.com')).toBeUndefined();
  });
});

describe('egress policy: WARDEN_EGRESS_ALLOW and WARDEN_EGRESS_DENY', () => {
  it('allows what ALLOW lists, IPv4 written either way', () => {
    const settings = allowing('127.0.0.1/32, 10.0.0.0/8, fd00::/8');
    expect(decideAddress(settings, '127.0.0.1')).toEqual({ allowed: true });
    expect(decideAddress(settings, '::ffff:127.0.0.1')).toEqual({ allowed: true });
    expect(decideAddress(settings, '127.0.0.2').allowed).toBe(false);
    expect(decideAddress(settings, '10.200.3.4')).toEqual({ allowed: true });
    expect(decideAddress(settings, 'fd99::1')).toEqual({ allowed: true });
    expect(decideAddress(settings, '192.168.1.1').allowed).toBe(false);
  });

  it('never allows link-local or metadata addresses, even when ALLOW lists them', () => {
    const settings = allowing('169.254.0.0/16, fe80::/10, fd00::/8, 100.64.0.0/10, 0.0.0.0/0, ::/0, metadata.google.internal');
    for (const address of ['169.254.169.254', 'fe80::1', 'fd00:ec2::254', '100.100.100.200']) {
      expect(decideAddress(settings, address).allowed, address).toBe(false);
    }
    expect(decideAddress(settings, '93.184.216.34', 'metadata.google.internal').allowed).toBe(false);
  });

  it('allows a listed host name to resolve to a private address, and *. lists the names below', () => {
    const settings = allowing('hooks.internal, *.corp.example');
    expect(decideAddress(settings, '10.0.0.5', 'hooks.internal')).toEqual({ allowed: true });
    expect(decideAddress(settings, '10.0.0.5', 'HOOKS.internal.')).toEqual({ allowed: true });
    expect(decideAddress(settings, '10.0.0.5', 'a.b.corp.example')).toEqual({ allowed: true });
    expect(decideAddress(settings, '10.0.0.5', 'corp.example').allowed).toBe(false);
    expect(decideAddress(settings, '10.0.0.5', 'other.internal').allowed).toBe(false);
    expect(decideAddress(settings, '169.254.169.254', 'hooks.internal').allowed).toBe(false);
  });

  it('refuses what DENY lists, before ALLOW and before public addresses', () => {
    const settings = allowing('10.0.0.0/8', '10.9.0.0/16, 93.184.216.0/24, *.blocked.example');
    expect(decideAddress(settings, '10.9.1.1')).toMatchObject({ allowed: false, kind: 'listed' });
    expect(decideAddress(settings, '10.8.1.1')).toEqual({ allowed: true });
    expect(decideAddress(settings, '93.184.216.34')).toMatchObject({ allowed: false, kind: 'listed' });
    expect(decideAddress(settings, '8.8.8.8', 'x.blocked.example')).toMatchObject({ allowed: false, kind: 'listed' });
    expect(decideHostName(settings, 'x.blocked.example')).toMatchObject({ allowed: false });
  });

  it('reads single addresses as /32 and /128, and refuses entries it cannot read', () => {
    expect(decideAddress(allowing('127.0.0.1'), '127.0.0.1')).toEqual({ allowed: true });
    expect(decideAddress(allowing('::1'), '::1')).toEqual({ allowed: true });
    for (const bad of ['10.0.0.0/33', '::/129', '10.0.0.0/x', 'not a host', 'a/b', 'http://x']) {
      expect(() => parseEgressRules(bad), bad).toThrow();
    }
    expect(parseEgressRules(' , ')).toEqual([]);
  });
});

describe('egress policy: local only (air-gapped language models)', () => {
  it('allows loopback and private, and nothing public, link-local or metadata, whatever ALLOW says', () => {
    const settings = allowing('0.0.0.0/0, ::/0');
    const local = (address: string) => decideAddress(settings, address, undefined, { localOnly: true }).allowed;
    expect(local('127.0.0.1')).toBe(true);
    expect(local('10.1.1.1')).toBe(true);
    expect(local('fd12::1')).toBe(true);
    expect(local('8.8.8.8')).toBe(false);
    expect(local('169.254.169.254')).toBe(false);
    expect(local('fd00:ec2::254')).toBe(false);
    expect(local('100.64.0.1')).toBe(false);
  });
});
