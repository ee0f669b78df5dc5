import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../../src/errors/app-error.js';
import { createLogger } from '../../../src/logger.js';
import { LlmClient, MAX_RETRY_DELAY_MS, retryDelayMs, type LlmProviderSettings } from '../../../src/nl/llm-client.js';
import type { ChatMessage } from '../../../src/nl/nl-types.js';
import { startFakeLlm, type FakeLlm } from '../../helpers/fake-llm.js';
import { blackholePort, deadPort } from '../../helpers/tcp-proxy.js';
import { failure } from '../../helpers/app-error.js';

const API_KEY = 'sk-test-4f9c2b7e1d8a6c3f5e0b9a7d2c4e6f8a';
const MESSAGES: ChatMessage[] = [
  { role: 'system', content: 'You write one PostgreSQL SELECT.' },
  { role: 'user', content: 'How many orders are there?' },
];

let llm: FakeLlm;
beforeAll(async () => {
  llm = await startFakeLlm();
});
afterAll(async () => {
  await llm.close();
});
beforeEach(() => {
  llm.requests.length = 0;
  llm.setScript([]);
});

function settings(overrides: Partial<LlmProviderSettings> = {}): LlmProviderSettings {
  return {
    id: 'prv_test',
    name: 'local-test',
    baseUrl: llm.baseUrl,
    model: 'fake-sql-1',
    apiKey: API_KEY,
    temperature: 0.2,
    maxTokens: 256,
    timeoutMs: 2_000,
    retry: { policy: 'exponential', maxRetries: 2, delayMs: 1 },
    ...overrides,
  };
}

/**
 * A client whose retries are logged: `waits()` are the waits it asked the `openai` client for, in order
 * (the client then waits them itself; tests with long waits check the time taken too).
 */
function clientWithRecordedWaits(overrides: Partial<LlmProviderSettings> = {}) {
  const { log, lines } = capturingLogger();
  const client = new LlmClient(settings(overrides), { log, random: () => 0.5 });
  const waits = () =>
    lines
      .map((line) => JSON.parse(line) as { msg?: string; retryInMs?: number })
      .filter((entry) => entry.msg === 'language model call failed; retrying')
      .map((entry) => entry.retryInMs);
  return { client, waits };
}

function capturingLogger() {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      lines.push(chunk.toString('utf8'));
      callback();
    },
  });
  return { log: createLogger('trace', sink), lines };
}

describe('LlmClient.chat', () => {
  it('sends the model, messages, temperature and max tokens, with the key as a Bearer token', async () => {
    llm.setScript([{ content: 'SELECT count(*) FROM orders', usage: { prompt_tokens: 31, completion_tokens: 7 } }]);
    const client = new LlmClient(settings());
    const result = await client.chat(MESSAGES);
    expect(result.text).toBe('SELECT count(*) FROM orders');
    expect(result.usage).toEqual({ promptTokens: 31, completionTokens: 7, totalTokens: 38 });
    expect(result.attempts).toBe(1);
    expect(result.model).toBe('fake-sql-1');
    expect(result.finishReason).toBe('stop');
    expect(result.latencyMs).toBeGreaterThanOrEqual(0);
    expect(llm.requests).toHaveLength(1);
    const [request] = llm.requests;
    expect(request?.path).toBe('/v1/chat/completions');
    expect(request?.authorization).toBe(`Bearer ${API_KEY}`);
    expect(request?.model).toBe('fake-sql-1');
    expect(request?.messages).toEqual(MESSAGES);
    expect(request?.temperature).toBe(0.2);
    expect(request?.maxTokens).toBe(256);
    expect(client.providerId).toBe('prv_test');
    expect(client.name).toBe('local-test');
  });

  it('lets one call override the temperature and max tokens', async () => {
    llm.setScript([{ content: 'SELECT 1' }]);
    await new LlmClient(settings()).chat(MESSAGES, { temperature: 0, maxTokens: 12 });
    expect(llm.requests[0]?.temperature).toBe(0);
    expect(llm.requests[0]?.maxTokens).toBe(12);
  });

  it('sends a placeholder key to a local model that needs none', async () => {
    llm.setScript([{ content: 'SELECT 1' }]);
    await new LlmClient(settings({ apiKey: null })).chat(MESSAGES);
    expect(llm.requests[0]?.authorization).toBe('Bearer not-needed');
  });

  it('cuts a slow reply off at the timeout', async () => {
    llm.setScript([{ content: 'SELECT 1', delayMs: 5_000 }]);
    const client = new LlmClient(settings({ timeoutMs: 300, retry: { policy: 'fixed', maxRetries: 0, delayMs: 0 } }));
    const started = Date.now();
    const error = await failure(client.chat(MESSAGES));
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(error.code).toBe(ErrorCode.LLM_UNAVAILABLE);
    expect(error.message).toContain('"local-test" did not answer within 300 ms');
    expect(llm.requests).toHaveLength(1);
  });

  it('cuts off a server that accepts the connection and never answers', async () => {
    const hole = await blackholePort();
    try {
      const client = new LlmClient(settings({ baseUrl: `http://127.0.0.1:${hole.port}/v1`, timeoutMs: 200, retry: { policy: 'fixed', maxRetries: 1, delayMs: 1 } }));
      const started = Date.now();
      const error = await failure(client.chat(MESSAGES));
      expect(Date.now() - started).toBeLessThan(2_000);
      expect(error.code).toBe(ErrorCode.LLM_UNAVAILABLE);
      expect(error.message).toContain('after 2 attempts');
    } finally {
      await hole.close();
    }
  });

  it('retries a timed-out attempt and succeeds on the next', async () => {
    llm.setScript([{ content: 'too late', delayMs: 2_000 }, { content: 'SELECT 2' }]);
    const { client } = clientWithRecordedWaits({ timeoutMs: 250 });
    const result = await client.chat(MESSAGES);
    expect(result.text).toBe('SELECT 2');
    expect(result.attempts).toBe(2);
  });

  it('makes 3 attempts for 500, 500, 200 under the exponential policy, waiting longer each time', async () => {
    llm.setScript([{ status: 500 }, { status: 503 }, { content: 'SELECT 3' }]);
    const { client, waits } = clientWithRecordedWaits({ retry: { policy: 'exponential', maxRetries: 3, delayMs: 100 } });
    const started = performance.now();
    const result = await client.chat(MESSAGES);
    expect(result.text).toBe('SELECT 3');
    expect(result.attempts).toBe(3);
    expect(llm.requests).toHaveLength(3);
    // random() = 0.5: a point three quarters of the way up each doubling delay.
    expect(waits()).toEqual([75, 150]);
    // The openai client waited as it was told, not by its own schedule.
    expect(performance.now() - started).toBeGreaterThanOrEqual(220);
  });

  it('gives up after the last retry, naming the provider and the count', async () => {
    llm.setScript([{ status: 502 }, { status: 502 }, { status: 502 }]);
    const { client, waits } = clientWithRecordedWaits({ retry: { policy: 'linear', maxRetries: 2, delayMs: 10 } });
    const error = await failure(client.chat(MESSAGES));
    expect(error.code).toBe(ErrorCode.LLM_UNAVAILABLE);
    expect(error.message).toBe('The language model provider "local-test" failed (HTTP 502) after 3 attempts. Try again later.');
    expect(error.details).toMatchObject({ provider: 'local-test', attempts: 3, reason: 'HTTP 502' });
    expect(waits()).toEqual([10, 20]);
    expect(llm.requests).toHaveLength(3);
  });

  it('retries 429, waiting at least what Retry-After asks', async () => {
    llm.setScript([{ status: 429, headers: { 'retry-after': '0.2' } }, { content: 'SELECT 4' }]);
    const { client, waits } = clientWithRecordedWaits({ retry: { policy: 'fixed', maxRetries: 1, delayMs: 5 } });
    const started = performance.now();
    const result = await client.chat(MESSAGES);
    expect(result.attempts).toBe(2);
    expect(waits()).toEqual([200]);
    expect(performance.now() - started).toBeGreaterThanOrEqual(195);
  });

  it.each([401, 403])('reports %i as a refused key, without retrying and without the key', async (status) => {
    llm.setScript([
      { status, body: { error: { message: `Incorrect API key provided: ${API_KEY}.`, type: 'invalid_request_error', code: 'invalid_api_key' } } },
      { content: 'never reached' },
    ]);
    const { client, waits } = clientWithRecordedWaits();
    const error = await failure(client.chat(MESSAGES));
    expect(error.code).toBe(ErrorCode.LLM_UNAVAILABLE);
    expect(error.message).toContain('"local-test" refused the API key');
    expect(llm.requests).toHaveLength(1);
    expect(waits()).toEqual([]);
    expect(JSON.stringify({ message: error.message, details: error.details, cause: String(error.cause) })).not.toContain(API_KEY);
    expect(error.message).not.toContain(llm.baseUrl);
  });

  it('does not retry another 4xx, and passes on the provider’s reason with the key scrubbed out', async () => {
    llm.setScript([{ status: 404, body: { error: { message: `The model 'fake-sql-1' does not exist (key ${API_KEY})`, type: 'invalid_request_error' } } }]);
    const { client } = clientWithRecordedWaits();
    const error = await failure(client.chat(MESSAGES));
    expect(error.code).toBe(ErrorCode.LLM_UNAVAILABLE);
    expect(error.message).toContain("HTTP 404: The model 'fake-sql-1' does not exist");
    expect(error.message).not.toContain(API_KEY);
    expect(llm.requests).toHaveLength(1);
  });

  it.each([408, 409])('does not retry %i (the openai client alone would)', async (status) => {
    llm.setScript([{ status }, { content: 'never reached' }]);
    const { client, waits } = clientWithRecordedWaits();
    const error = await failure(client.chat(MESSAGES));
    expect(error.code).toBe(ErrorCode.LLM_UNAVAILABLE);
    expect(error.message).toContain(`rejected the request (HTTP ${status}`);
    expect(llm.requests).toHaveLength(1);
    expect(waits()).toEqual([]);
  });

  it('cuts off a reply whose body trickles in past the timeout, and retries it', async () => {
    let requests = 0;
    const server = createServer((req, res) => {
      req.resume();
      requests += 1;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"id":"x",');
      const drip = setInterval(() => res.write(' '), 50);
      res.on('close', () => clearInterval(drip));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const client = new LlmClient(settings({ baseUrl: `http://127.0.0.1:${port}/v1`, timeoutMs: 300, retry: { policy: 'fixed', maxRetries: 1, delayMs: 1 } }));
      const started = Date.now();
      const error = await failure(client.chat(MESSAGES));
      expect(Date.now() - started).toBeLessThan(2_000);
      expect(error.message).toBe('The language model provider "local-test" did not answer within 300 ms after 2 attempts. Try again later, or raise its timeoutMs.');
      expect(requests).toBe(2);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('reports a refused connection after its retries, without the URL', async () => {
    const port = await deadPort();
    const { client, waits } = clientWithRecordedWaits({ baseUrl: `http://127.0.0.1:${port}/v1` });
    const error = await failure(client.chat(MESSAGES));
    expect(error.code).toBe(ErrorCode.LLM_UNAVAILABLE);
    expect(error.message).toContain('"local-test" could not be reached (ECONNREFUSED) after 3 attempts');
    expect(error.message).not.toContain(String(port));
    expect(waits()).toHaveLength(2);
  });

  it('reports a reply with no text as LLM_BAD_OUTPUT, without retrying', async () => {
    for (const reply of [{ content: '' }, { content: '   \n' }, { body: { choices: [] } }, { body: 'this is not JSON' }, {}]) {
      llm.setScript([reply, { content: 'never reached' }]);
      llm.requests.length = 0;
      const error = await failure(new LlmClient(settings()).chat(MESSAGES));
      expect(error.code, JSON.stringify(reply)).toBe(ErrorCode.LLM_BAD_OUTPUT);
      expect(error.message).toContain('"local-test" answered without any text');
      expect(llm.requests).toHaveLength(1);
    }
  });

  it('reads text given as content parts, and counts usage the provider left out as 0', async () => {
    llm.setScript([{ body: { model: 'm', choices: [{ index: 0, message: { role: 'assistant', content: [{ type: 'text', text: 'SELECT ' }, { type: 'text', text: '5' }] }, finish_reason: 'length' }] } }]);
    const result = await new LlmClient(settings()).chat(MESSAGES);
    expect(result.text).toBe('SELECT 5');
    expect(result.finishReason).toBe('length');
    expect(result.usage).toEqual({ promptTokens: 0, completionTokens: 0, totalTokens: 0 });
  });

  it('stops when the caller cancels, also between attempts', async () => {
    llm.setScript([{ content: 'slow', delayMs: 3_000 }]);
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    const started = Date.now();
    const error = await failure(new LlmClient(settings({ timeoutMs: 10_000 })).chat(MESSAGES, { signal: controller.signal }));
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(error.code).toBe(ErrorCode.LLM_UNAVAILABLE);
    expect(error.message).toContain('was cancelled');

    llm.setScript([{ status: 500 }, { content: 'never reached' }]);
    llm.requests.length = 0;
    const between = new AbortController();
    const client = new LlmClient(settings({ retry: { policy: 'fixed', maxRetries: 3, delayMs: 5_000 } }));
    setTimeout(() => between.abort(), 100);
    const waiting = Date.now();
    const cancelled = await failure(client.chat(MESSAGES, { signal: between.signal }));
    expect(Date.now() - waiting).toBeLessThan(2_000);
    expect(cancelled.message).toContain('was cancelled');
    expect(llm.requests).toHaveLength(1);
  });

  it('logs each retry with the provider name and reason, never the key', async () => {
    const { log, lines } = capturingLogger();
    llm.setScript([{ status: 500 }, { status: 401, body: { error: { message: `bad key ${API_KEY}` } } }]);
    const client = new LlmClient(settings(), { log, random: () => 0.5 });
    const error = await failure(client.chat(MESSAGES));
    expect(error.code).toBe(ErrorCode.LLM_UNAVAILABLE);
    expect(lines).toHaveLength(1);
    const entry = JSON.parse(lines[0] ?? '{}') as Record<string, unknown>;
    expect(entry).toMatchObject({ provider: 'local-test', attempt: 1, reason: 'HTTP 500', msg: 'language model call failed; retrying' });
    expect(lines.join('\n')).not.toContain(API_KEY);
    // The error as a log line would carry it (cause included) holds no key either.
    log.error({ err: error }, 'ask failed');
    expect(lines.join('\n')).not.toContain(API_KEY);
  });
});

describe('retryDelayMs', () => {
  it('waits the same each time under the fixed policy', () => {
    expect([1, 2, 3].map((n) => retryDelayMs('fixed', 200, n))).toEqual([200, 200, 200]);
  });

  it('grows by the delay each time under the linear policy', () => {
    expect([1, 2, 3].map((n) => retryDelayMs('linear', 200, n))).toEqual([200, 400, 600]);
  });

  it('doubles under the exponential policy, jittered within the upper half', () => {
    expect([1, 2, 3, 4].map((n) => retryDelayMs('exponential', 100, n, () => 0))).toEqual([50, 100, 200, 400]);
    expect([1, 2, 3, 4].map((n) => retryDelayMs('exponential', 100, n, () => 0.999999))).toEqual([100, 200, 400, 800]);
  });

  it('never waits more than a minute', () => {
    expect(retryDelayMs('linear', 50_000, 10)).toBe(MAX_RETRY_DELAY_MS);
    expect(retryDelayMs('exponential', 60_000, 10, () => 0.999999)).toBe(MAX_RETRY_DELAY_MS);
  });
});
