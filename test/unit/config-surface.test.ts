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
    expect(config.http).toEqual({ allowedOrigins: [], allowedHosts: undefined, hsts: false, explorer: true, console: true });
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

describe('the metrics and traces settings', () => {
  it('default to /metrics on for loopback callers, and no traces', () => {
    expect(loadConfig({}).telemetry).toEqual({ metrics: true, metricsKey: undefined, otelTracesUrl: undefined, serviceName: 'warden' });
  });

  it('take a metrics key, WARDEN_METRICS=false, and a service name', () => {
    const config = loadConfig({ WARDEN_METRICS: 'false', WARDEN_METRICS_KEY: 'k'.repeat(16), WARDEN_OTEL_SERVICE_NAME: 'warden-eu.1' });
    expect(config.telemetry).toMatchObject({ metrics: false, metricsKey: 'k'.repeat(16), serviceName: 'warden-eu.1' });
  });

  it('send traces to the collector’s /v1/traces, given its base URL or the full one', () => {
    expect(loadConfig({ WARDEN_OTEL_ENDPOINT: 'http://collector:4318' }).telemetry.otelTracesUrl).toBe('http://collector:4318/v1/traces');
    expect(loadConfig({ WARDEN_OTEL_ENDPOINT: 'https://otel.example.com/otlp/' }).telemetry.otelTracesUrl).toBe('https://otel.example.com/otlp/v1/traces');
    expect(loadConfig({ WARDEN_OTEL_ENDPOINT: 'http://collector:4318/v1/traces' }).telemetry.otelTracesUrl).toBe('http://collector:4318/v1/traces');
  });

  it('stop the start naming the variable, without echoing a key', () => {
    expect(problem({ WARDEN_METRICS: 'maybe' })).toContain('WARDEN_METRICS');
    const short = problem({ WARDEN_METRICS_KEY: 'secret-short' });
    expect(short).toContain('WARDEN_METRICS_KEY: expected at least 16 characters');
    expect(short).not.toContain('secret-short');
    expect(problem({ WARDEN_METRICS_KEY: 'has a space in it ok' })).toContain('WARDEN_METRICS_KEY');
    expect(problem({ WARDEN_OTEL_ENDPOINT: 'collector:4318' })).toContain('WARDEN_OTEL_ENDPOINT');
    expect(problem({ WARDEN_OTEL_ENDPOINT: 'grpc://collector:4317' })).toContain('WARDEN_OTEL_ENDPOINT');
    expect(problem({ WARDEN_OTEL_SERVICE_NAME: 'warden gateway' })).toContain('WARDEN_OTEL_SERVICE_NAME');
  });
});

describe('the natural-language settings', () => {
  it('default to a ceiling of 3,000 tokens of schema text a prompt, and take another', () => {
    expect(loadConfig({}).nl).toEqual({ tokenBudget: 3_000 });
    expect(loadConfig({ WARDEN_NL_TOKEN_BUDGET: '1200' }).nl).toEqual({ tokenBudget: 1_200 });
  });

  it('stop the start naming the variable for a budget too small to show a table, or not a number', () => {
    expect(problem({ WARDEN_NL_TOKEN_BUDGET: '50' })).toContain('WARDEN_NL_TOKEN_BUDGET');
    expect(problem({ WARDEN_NL_TOKEN_BUDGET: 'lots' })).toContain('WARDEN_NL_TOKEN_BUDGET');
  });
});
