import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { WardenError, WardenNetworkError } from '../../../sdk/client.js';
import { reportError, UsageError } from '../../../src/cli/cli-errors.js';
import { cell, renderTable, time } from '../../../src/cli/cli-output.js';
import { graphqlEndpoint } from '../../../src/cli/gateway-client.js';

function report(error: unknown, json = false, secrets: string[] = []): { exitCode: number; stderr: string } {
  const stderr = new PassThrough();
  const exitCode = reportError(error, { json, secrets, stderr });
  return { exitCode, stderr: String(stderr.read() ?? '') };
}

describe('the CLI output', () => {
  it('aligns table columns to their widest cell and leaves the last unpadded', () => {
    expect(renderTable(['ID', 'NAME'], [['agt_1', 'a'], ['agt_22', 'reporting-bot']])).toBe('ID      NAME\nagt_1   a\nagt_22  reporting-bot\n');
  });

  it('prints nothing as -, lists joined, objects as JSON and line breaks escaped', () => {
    expect([cell(null), cell([]), cell(['READ', 'INSERT']), cell({ a: 1 }), cell('a\nb'), cell(null, 'NULL')]).toEqual(['-', '-', 'READ, INSERT', '{"a":1}', 'a\\nb', 'NULL']);
    expect(time('2026-05-01T10:15:30.123Z')).toBe('2026-05-01 10:15:30Z');
  });

  it("takes the gateway's base address or its /graphql endpoint, and refuses credentials in it", () => {
    expect(graphqlEndpoint(undefined)).toBe('http://127.0.0.1:4000/graphql');
    expect(graphqlEndpoint('https://warden.example.com/')).toBe('https://warden.example.com/graphql');
    expect(graphqlEndpoint('http://10.0.0.5:4000/graphql')).toBe('http://10.0.0.5:4000/graphql');
    expect(() => graphqlEndpoint('https://user:pw@warden.example.com')).toThrow(UsageError);
    expect(() => graphqlEndpoint('warden.example.com')).toThrow(/WARDEN_URL/);
  });
});

describe('the CLI error report', () => {
  it('names the code, lists what was denied, and exits with the mapped code', () => {
    const error = new WardenError('You may not do this: public.customers.', 'FORBIDDEN', { code: 'FORBIDDEN', denied: [{ resource: 'public.customers', needed: 'READ', reason: 'no grant' }] }, []);
    expect(report(error)).toEqual({ exitCode: 4, stderr: 'warden: FORBIDDEN: You may not do this: public.customers.\n  denied: public.customers needs READ (no grant)\n' });
  });

  it('gives one JSON object on stderr with --json', () => {
    const { exitCode, stderr } = report(new WardenError('Slow down.', 'RATE_LIMITED', { code: 'RATE_LIMITED', retryAfterSeconds: 12 }, []), true);
    expect(exitCode).toBe(7);
    expect(JSON.parse(stderr)).toEqual({ error: { code: 'RATE_LIMITED', message: 'Slow down.', exitCode: 7, retryAfterSeconds: 12 } });
  });

  it('never prints a secret it was told of, whatever the message says', () => {
    const url = 'postgres://app:hunter2-long@db.internal/crm';
    const error = new WardenError(`could not connect to ${url} (password hunter2-long)`, 'DATABASE_UNAVAILABLE', {}, []);
    const { exitCode, stderr } = report(error, false, [url, 'hunter2-long']);
    expect(exitCode).toBe(8);
    expect(stderr).toBe('warden: DATABASE_UNAVAILABLE: could not connect to *** (password ***)\n');
  });

  it('tells an unreachable gateway (10) and a usage mistake (2) apart from gateway errors', () => {
    expect(report(new WardenNetworkError('Could not reach Warden at http://127.0.0.1:1: ECONNREFUSED.', 'http://127.0.0.1:1')).exitCode).toBe(10);
    const usage = report(new UsageError('Missing --agent.', 'Usage:\n  warden grant add …\n'));
    expect(usage).toEqual({ exitCode: 2, stderr: 'warden: Missing --agent.\n\nUsage:\n  warden grant add …\n' });
  });
});
