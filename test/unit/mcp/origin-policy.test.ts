import { describe, expect, it } from 'vitest';
import { originPolicy } from '../../../src/mcp/mcp-http.js';

describe('originPolicy', () => {
  it('bound to loopback: loopback names only, and its own origins', () => {
    expect(originPolicy({ host: '127.0.0.1', publicUrl: undefined, allowedOrigins: [], allowedHosts: undefined })).toEqual({
      origins: [],
      hosts: ['localhost', '127.0.0.1', '[::1]'],
      ownHosts: ['localhost', '127.0.0.1', '[::1]'],
    });
  });

  it('adds the public URL\'s host and origin, HOST itself and WARDEN_ALLOWED_HOSTS', () => {
    const policy = originPolicy({ host: '10.0.0.5', publicUrl: 'https://warden.example.com', allowedOrigins: ['https://console.example.com'], allowedHosts: ['warden.internal'] });
    expect(policy.hosts).toEqual(['localhost', '127.0.0.1', '[::1]', '10.0.0.5', 'warden.example.com', 'warden.internal']);
    expect(policy.origins).toEqual(['https://console.example.com', 'https://warden.example.com']);
  });

  it('bound to every interface with no names given: any Host, and only loopback names count as its own origin', () => {
    for (const host of ['0.0.0.0', '::']) {
      const policy = originPolicy({ host, publicUrl: undefined, allowedOrigins: [], allowedHosts: undefined });
      expect(policy.hosts).toBeUndefined();
      expect(policy.ownHosts).toEqual(['localhost', '127.0.0.1', '[::1]']);
    }
  });

  it('writes an IPv6 HOST in brackets, as a Host header has it', () => {
    expect(originPolicy({ host: '::1', publicUrl: undefined, allowedOrigins: [], allowedHosts: undefined }).hosts).toEqual(['localhost', '127.0.0.1', '[::1]']);
    expect(originPolicy({ host: 'fd00::5', publicUrl: undefined, allowedOrigins: [], allowedHosts: undefined }).hosts).toContain('[fd00::5]');
  });
});
