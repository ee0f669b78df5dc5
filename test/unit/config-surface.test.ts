import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';

function problem(env: Record<string, string>): string {
  try {
    loadConfig(env);
  } catch (error) {
    return (error as Error).message;
  }
  return '';
}

describe('the request surface settings', () => {
  it('default to 100 KiB and 2,000 tokens a document, no extra origins or hosts, and no HSTS over http', () => {
    const config = loadConfig({});
    expect(config.limits).toEqual({ maxDocumentBytes: 102_400, maxDocumentTokens: 2_000 });
    expect(config.http).toEqual({ allowedOrigins: [], allowedHosts: undefined, hsts: false });
  });

  it('turn HSTS on for an https WARDEN_PUBLIC_URL, unless WARDEN_HSTS says otherwise', () => {
    expect(loadConfig({ WARDEN_PUBLIC_URL: 'https://warden.example.com' }).http.hsts).toBe(true);
    expect(loadConfig({ WARDEN_PUBLIC_URL: 'https://warden.example.com', WARDEN_HSTS: 'false' }).http.hsts).toBe(false);
    expect(loadConfig({ WARDEN_HSTS: 'true' }).http.hsts).toBe(true);
  });

  it('read origin and host lists, trimmed and in lower case', () => {
    const config = loadConfig({ WARDEN_ALLOWED_ORIGINS: 'https://Console.example.com, http://127.0.0.1:5173', WARDEN_ALLOWED_HOSTS: 'Warden.internal, [::1]' });
    expect(config.http.allowedOrigins).toEqual(['https://console.example.com', 'http://127.0.0.1:5173']);
    expect(config.http.allowedHosts).toEqual(['warden.internal', '[::1]']);
  });

  it('stop the start naming the variable for a bad value', () => {
    expect(problem({ WARDEN_ALLOWED_ORIGINS: 'https://console.example.com/path' })).toContain('WARDEN_ALLOWED_ORIGINS');
    expect(problem({ WARDEN_ALLOWED_ORIGINS: '*' })).toContain('WARDEN_ALLOWED_ORIGINS');
    expect(problem({ WARDEN_ALLOWED_HOSTS: 'https://warden.example.com' })).toContain('WARDEN_ALLOWED_HOSTS');
    expect(problem({ WARDEN_MAX_DOCUMENT_TOKENS: '10' })).toContain('WARDEN_MAX_DOCUMENT_TOKENS');
    expect(problem({ WARDEN_MAX_DOCUMENT_BYTES: '2000000' })).toContain('WARDEN_MAX_DOCUMENT_BYTES');
    expect(problem({ WARDEN_HSTS: 'maybe' })).toContain('WARDEN_HSTS');
  });
});
