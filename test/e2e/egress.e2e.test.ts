import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeLlm, type FakeLlm } from '../helpers/fake-llm.js';
import { errorCode, startTestServer, type TestServer } from '../helpers/test-server.js';

const REGISTER_WEBHOOK = 'mutation($i: RegisterWebhookInput!) { registerWebhook(input: $i) { webhook { id url } } }';
const REGISTER_DESTINATION = 'mutation($i: RegisterExportDestinationInput!) { registerExportDestination(input: $i) { destination { id } } }';
const REGISTER_PROVIDER = 'mutation($i: RegisterProviderInput!) { registerProvider(input: $i) { id baseUrl } }';

/** Counts the requests it gets: none may arrive from a refused registration. */
async function startReceiver(): Promise<{ server: Server; port: number; hits: () => number }> {
  let hits = 0;
  const server = createServer((req, res) => {
    hits += 1;
    req.resume();
    res.writeHead(204).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as AddressInfo).port, hits: () => hits };
}

describe('egress policy with its defaults (no WARDEN_EGRESS_ALLOW)', () => {
  let server: TestServer;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let agentId: string;

  beforeAll(async () => {
    receiver = await startReceiver();
    server = await startTestServer({ env: { WARDEN_EGRESS_ALLOW: '' } });
    const agent = await server.graphql<{ registerAgent: { agent: { id: string } } }>(
      'mutation { registerAgent(input: { name: "egress-agent" }) { agent { id } } }',
      {},
      server.adminKey,
    );
    agentId = agent.body.data!.registerAgent.agent.id;
  });
  afterAll(async () => {
    await server?.stop();
    await new Promise((resolve) => receiver?.server.close(resolve));
  });

  it('refuses a webhook at the cloud metadata address, saying why', async () => {
    for (const url of ['http://169.254.169.254/latest/meta-data/iam/security-credentials/', 'http://[fd00:ec2::254]/', 'http://metadata.google.internal/computeMetadata/v1/']) {
      const res = await server.graphql(REGISTER_WEBHOOK, { i: { url, eventTypes: ['AUDIT_EVENT'] } }, server.adminKey);
      expect(errorCode(res), url).toBe('BAD_USER_INPUT');
      expect(res.body.errors?.[0]?.message, url).toMatch(/^The webhook URL (is|resolves to) .*which Warden never calls\.$/);
    }
    expect(
      (await server.graphql('mutation { registerWebhook(input: { url: "http://169.254.169.254/", eventTypes: [AUDIT_EVENT] }) { webhook { id } } }', {}, server.adminKey)).body
        .errors?.[0]?.message,
    ).toBe('The webhook URL is a link-local address (where cloud metadata services live), which Warden never calls.');
  });

  it('refuses a webhook on a name that resolves to loopback, and on a loopback or private address', async () => {
    for (const url of [`http://localhost:${receiver.port}/hook`, `http://127.0.0.1:${receiver.port}/hook`, 'http://10.0.0.8/hook', 'http://[::ffff:127.0.0.1]/hook']) {
      const res = await server.graphql(REGISTER_WEBHOOK, { i: { url, eventTypes: ['AUDIT_EVENT'] } }, server.adminKey);
      expect(errorCode(res), url).toBe('BAD_USER_INPUT');
      expect(res.body.errors?.[0]?.message, url).toContain('unless WARDEN_EGRESS_ALLOW lists it');
    }
    expect(receiver.hits()).toBe(0);
  });

  it('refuses export destinations on the metadata address or loopback (webhook URL and S3 endpoint)', async () => {
    const webhook = await server.graphql(REGISTER_DESTINATION, { i: { name: 'meta', kind: 'WEBHOOK', url: 'http://169.254.169.254/latest', agentIds: [agentId] } }, server.adminKey);
    expect(errorCode(webhook)).toBe('BAD_USER_INPUT');
    expect(webhook.body.errors?.[0]?.message).toContain('link-local');
    const s3 = await server.graphql(
      REGISTER_DESTINATION,
      { i: { name: 'local-bucket', kind: 'S3', endpoint: `http://127.0.0.1:${receiver.port}`, bucket: 'reports', accessKeyId: 'k', secretAccessKey: 's', agentIds: [agentId] } },
      server.adminKey,
    );
    expect(errorCode(s3)).toBe('BAD_USER_INPUT');
    expect(s3.body.errors?.[0]?.message).toMatch(/^The S3 endpoint is a loopback address/);
    expect(receiver.hits()).toBe(0);
  });

  it('refuses a language model provider at the metadata address', async () => {
    const res = await server.graphql(REGISTER_PROVIDER, { i: { name: 'meta', baseUrl: 'http://169.254.169.254/v1', model: 'm' } }, server.adminKey);
    expect(errorCode(res)).toBe('BAD_USER_INPUT');
    expect(res.body.errors?.[0]?.message).toBe('The base URL is a link-local address (where cloud metadata services live), which Warden never calls.');
  });
});

describe('egress policy with WARDEN_EGRESS_ALLOW', () => {
  let server: TestServer;
  let llm: FakeLlm;

  beforeAll(async () => {
    llm = await startFakeLlm();
    server = await startTestServer({ env: { WARDEN_EGRESS_ALLOW: '127.0.0.1/32, 169.254.0.0/16' } });
  });
  afterAll(async () => {
    await server?.stop();
    await llm?.close();
  });

  it('accepts what it lists, and still never the metadata address', async () => {
    const local = await server.graphql(REGISTER_WEBHOOK, { i: { url: 'http://127.0.0.1:9/hook', eventTypes: ['AUDIT_EVENT'] } }, server.adminKey);
    expect(local.body.errors).toBeUndefined();
    const provider = await server.graphql(REGISTER_PROVIDER, { i: { name: 'local', baseUrl: llm.baseUrl, model: 'fake-sql-1' } }, server.adminKey);
    expect(provider.body.errors).toBeUndefined();
    const meta = await server.graphql(REGISTER_WEBHOOK, { i: { url: 'http://169.254.169.254/latest', eventTypes: ['AUDIT_EVENT'] } }, server.adminKey);
    expect(errorCode(meta)).toBe('BAD_USER_INPUT');
  });
});

describe('egress policy in air-gapped mode', () => {
  let server: TestServer;
  let llm: FakeLlm;

  beforeAll(async () => {
    llm = await startFakeLlm();
    // No WARDEN_EGRESS_ALLOW: air-gapped mode itself allows the local model.
    server = await startTestServer({ env: { WARDEN_AIR_GAPPED: 'true', WARDEN_EGRESS_ALLOW: '' } });
  });
  afterAll(async () => {
    await server?.stop();
    await llm?.close();
  });

  it('accepts a model on 127.0.0.1 and refuses one at the metadata address', async () => {
    const local = await server.graphql(REGISTER_PROVIDER, { i: { name: 'local', baseUrl: llm.baseUrl, model: 'fake-sql-1' } }, server.adminKey);
    expect(local.body.errors).toBeUndefined();
    for (const baseUrl of ['http://169.254.169.254/v1', 'http://[fd00:ec2::254]/v1', 'http://metadata.google.internal/v1']) {
      const res = await server.graphql(REGISTER_PROVIDER, { i: { name: 'meta', baseUrl, model: 'm' } }, server.adminKey);
      expect(errorCode(res), baseUrl).toBe('BAD_USER_INPUT');
    }
  });
});
