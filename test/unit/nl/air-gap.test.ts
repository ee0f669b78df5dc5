import { describe, expect, it } from 'vitest';
import { AppError, ErrorCode } from '../../../src/errors/app-error.js';
import { checkAirGapped, classifyAddress, type HostLookup } from '../../../src/nl/air-gap.js';

/** A resolver that answers from a table and fails loudly on anything else. */
function lookupFrom(table: Record<string, string[]>): HostLookup & { asked: string[] } {
  const asked: string[] = [];
  const lookup = async (hostname: string) => {
    asked.push(hostname);
    const addresses = table[hostname];
    if (!addresses) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
    return addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
  };
  return Object.assign(lookup, { asked });
}

const noLookup: HostLookup = async (hostname) => {
  throw new Error(`no lookup expected for ${hostname}`);
};

async function refusal(baseUrl: string, lookup: HostLookup = noLookup): Promise<AppError> {
  try {
    await checkAirGapped(baseUrl, lookup);
  } catch (error) {
    expect(error).toBeInstanceOf(AppError);
    return error as AppError;
  }
  throw new Error(`${baseUrl} was allowed`);
}

describe('classifyAddress', () => {
  it.each([
    ['127.0.0.1', 'loopback'],
    ['127.255.255.254', 'loopback'],
    ['::1', 'loopback'],
    ['0:0:0:0:0:0:0:1', 'loopback'],
    ['10.0.0.1', 'private'],
    ['10.255.255.255', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.1.10', 'private'],
    ['fc00::1', 'private'],
    ['fd12:3456:789a::1', 'private'],
    ['169.254.169.254', 'link-local'],
    ['fe80::1', 'link-local'],
    ['febf::1', 'link-local'],
    ['fd00:ec2::254', 'metadata'],
    ['0.0.0.0', 'unspecified'],
    ['::', 'unspecified'],
    ['8.8.8.8', 'public'],
    ['172.15.255.255', 'public'],
    ['172.32.0.1', 'public'],
    ['192.169.0.1', 'public'],
    ['11.0.0.1', 'public'],
    ['100.64.0.1', 'public'],
    ['2001:4860:4860::8888', 'public'],
    ['fec0::1', 'public'],
    ['64:ff9b::a00:1', 'public'],
    ['2002:a00:1::', 'public'],
  ])('classifies %s as %s', (address, kind) => {
    expect(classifyAddress(address)).toBe(kind);
  });

  it('judges an IPv4-mapped IPv6 address by the IPv4 address inside it, in either notation', () => {
    expect(classifyAddress('::ffff:10.0.0.1')).toBe('private');
    expect(classifyAddress('::ffff:a00:1')).toBe('private');
    expect(classifyAddress('::ffff:127.0.0.1')).toBe('loopback');
    expect(classifyAddress('::FFFF:7f00:1')).toBe('loopback');
    expect(classifyAddress('::ffff:8.8.8.8')).toBe('public');
    expect(classifyAddress('0:0:0:0:0:ffff:169.254.169.254')).toBe('link-local');
  });

  it('does not take an IPv4-compatible address (::a.b.c.d, deprecated) for the IPv4 one', () => {
    expect(classifyAddress('::10.0.0.1')).toBe('public');
    expect(classifyAddress('::127.0.0.1')).toBe('public');
  });

  it('treats anything that is not an address as public', () => {
    expect(classifyAddress('localhost')).toBe('public');
    expect(classifyAddress('1.2.3')).toBe('public');
    expect(classifyAddress('')).toBe('public');
  });
});

describe('checkAirGapped', () => {
  it.each([
    'http://127.0.0.1:11434/v1',
    'http://127.8.9.10/v1',
    'http://[::1]:8000/v1',
    'https://10.1.2.3/v1',
    'http://172.20.0.5:8080/v1',
    'http://192.168.0.42/v1',
    'http://[fd00::42]/v1',
    'http://[::ffff:10.0.0.1]/v1',
    'http://[::ffff:127.0.0.1]:1234/v1',
  ])('allows %s without a DNS lookup', async (url) => {
    await expect(checkAirGapped(url, noLookup)).resolves.toBeUndefined();
  });

  it.each([
    ['http://8.8.8.8/v1', '8.8.8.8'],
    ['https://[2001:4860:4860::8888]/v1', '2001:4860:4860::8888'],
    ['http://[::ffff:8.8.8.8]/v1', '::ffff:808:808'],
    ['http://169.254.169.254/latest', '169.254.169.254'],
    ['http://[fe80::1]/v1', 'fe80::1'],
    ['http://[fd00:ec2::254]/v1', 'fd00:ec2::254'],
    ['http://0.0.0.0:8000/v1', '0.0.0.0'],
    ['http://100.64.0.1/v1', '100.64.0.1'],
  ])('refuses %s, saying what is allowed', async (url, host) => {
    const error = await refusal(url);
    expect(error.code).toBe(ErrorCode.BAD_USER_INPUT);
    expect(error.message).toContain(`"${host}"`);
    expect(error.message).toContain('WARDEN_AIR_GAPPED=true allows only loopback or private addresses');
    expect(error.details?.field).toBe('baseUrl');
  });

  it("sees through decimal, octal and hex IPv4 spellings (Node's URL parser normalises them)", async () => {
    expect(new URL('http://2130706433/').hostname).toBe('127.0.0.1');
    await expect(checkAirGapped('http://2130706433/v1', noLookup)).resolves.toBeUndefined();
    await expect(checkAirGapped('http://0x7f.1/v1', noLookup)).resolves.toBeUndefined();
    await expect(checkAirGapped('http://0177.0.0.1/v1', noLookup)).resolves.toBeUndefined();
    await expect(checkAirGapped('http://0xa000001/v1', noLookup)).resolves.toBeUndefined(); // 10.0.0.1
    // 134744072 is 8.8.8.8, 0x8.0x8.0x8.0x8 too, and 0251.0376.0251.0376 is 169.254.169.254.
    expect((await refusal('http://134744072/v1')).message).toContain('"8.8.8.8"');
    expect((await refusal('http://0x8.0x8.0x8.0x8/v1')).message).toContain('"8.8.8.8"');
    expect((await refusal('http://0251.0376.0251.0376/v1')).message).toContain('"169.254.169.254"');
  });

  it('resolves a host name and allows it when every address is local', async () => {
    const lookup = lookupFrom({ localhost: ['127.0.0.1', '::1'], 'llm.internal': ['10.0.0.7', 'fd00::7', '::ffff:192.168.1.2'] });
    await expect(checkAirGapped('http://localhost:11434/v1', lookup)).resolves.toBeUndefined();
    await expect(checkAirGapped('https://llm.internal/v1', lookup)).resolves.toBeUndefined();
    expect(lookup.asked).toEqual(['localhost', 'llm.internal']);
  });

  it('refuses a host name when any one of its addresses is public', async () => {
    const lookup = lookupFrom({ 'mixed.example': ['10.0.0.7', '93.184.216.34'], 'rebind.example': ['::ffff:169.254.169.254'] });
    const mixed = await refusal('https://mixed.example/v1', lookup);
    expect(mixed.message).toContain('resolves to 93.184.216.34, a public address');
    const rebind = await refusal('https://rebind.example/v1', lookup);
    expect(rebind.message).toContain('link-local');
  });

  it('refuses a host name that does not resolve, or resolves to nothing', async () => {
    const missing = await refusal('https://nowhere.invalid/v1', lookupFrom({}));
    expect(missing.code).toBe(ErrorCode.BAD_USER_INPUT);
    expect(missing.message).toContain('could not be resolved');
    const empty = await refusal('https://empty.example/v1', lookupFrom({ 'empty.example': [] }));
    expect(empty.message).toContain('resolves to no address');
  });

  it('refuses what is not a URL', async () => {
    const error = await refusal('not a url');
    expect(error.code).toBe(ErrorCode.BAD_USER_INPUT);
    expect(error.message).toContain('not a valid URL');
  });

  it('uses the system resolver by default (localhost is loopback here)', async () => {
    await expect(checkAirGapped('http://localhost:1/v1')).resolves.toBeUndefined();
  });
});
