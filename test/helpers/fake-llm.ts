import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A real OpenAI-compatible chat server on an ephemeral port, for tests: POST /v1/chat/completions (and
 * /chat/completions) answers from a script, and every request is recorded.
 *
 *   const llm = await startFakeLlm([{ content: 'SELECT 1' }, { status: 500 }, { content: 'x', delayMs: 2000 }]);
 *   // base URL for a provider: llm.baseUrl (ends in /v1)
 *   llm.requests[0].messages, .model, .temperature, .maxTokens, .authorization
 *   await llm.close();
 *
 * A queue is consumed one reply per request; when it runs dry the server answers 500 with a message
 * saying so (which a client retries — script enough replies). A function script answers every request.
 */

export interface FakeLlmReply {
  /** The assistant message's text (a 200 chat completion). */
  content?: string;
  /** HTTP status; without `body`, a non-2xx status gets an OpenAI-style `{ error: { message, type, code } }`. */
  status?: number;
  /** Wait this long before answering (the request is dropped if the client goes away first). */
  delayMs?: number;
  /** Sent as JSON instead of the usual shape (a string is sent as it is, as text/plain). */
  body?: unknown;
  /** Extra response headers, e.g. { 'retry-after': '0' }. */
  headers?: Record<string, string>;
  /** Overrides the computed usage. */
  usage?: { prompt_tokens: number; completion_tokens: number; total_tokens?: number };
  /** `stop` unless given. */
  finishReason?: string;
}

export interface FakeLlmRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  /** The Authorization header as sent, e.g. `Bearer sk-…`; undefined when none. */
  authorization: string | undefined;
  /** The parsed JSON body (undefined when it was not JSON). */
  body: Record<string, unknown> | undefined;
  model: unknown;
  messages: { role: string; content: string }[];
  temperature: unknown;
  maxTokens: unknown;
}

export type FakeLlmScript = FakeLlmReply[] | ((request: FakeLlmRequest, index: number) => FakeLlmReply | Promise<FakeLlmReply>);

export interface FakeLlm {
  /** e.g. http://127.0.0.1:41234/v1 */
  baseUrl: string;
  port: number;
  /** Every chat request received, in order (also those still waiting out a delay). */
  requests: FakeLlmRequest[];
  /** Replaces the script (and what is left of a queue). */
  setScript(script: FakeLlmScript): void;
  close(): Promise<void>;
}

export async function startFakeLlm(script: FakeLlmScript = []): Promise<FakeLlm> {
  let current: FakeLlmScript = Array.isArray(script) ? [...script] : script;
  const requests: FakeLlmRequest[] = [];
  const timers = new Set<NodeJS.Timeout>();

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      void handle(req.method ?? 'GET', req.url ?? '/', req.headers, Buffer.concat(chunks).toString('utf8'), res);
    });
  });

  async function handle(method: string, url: string, headers: IncomingHttpHeaders, raw: string, res: ServerResponse): Promise<void> {
    const path = url.split('?')[0] ?? '/';
    if (method === 'GET' && (path === '/v1/models' || path === '/models')) {
      send(res, 200, { object: 'list', data: [{ id: 'fake-model', object: 'model', created: 0, owned_by: 'warden-tests' }] });
      return;
    }
    if (method !== 'POST' || (path !== '/v1/chat/completions' && path !== '/chat/completions')) {
      send(res, 404, { error: { message: `fake-llm: no route for ${method} ${path}`, type: 'invalid_request_error', code: 'not_found' } });
      return;
    }
    let body: Record<string, unknown> | undefined;
    try {
      const parsed: unknown = JSON.parse(raw);
      body = typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : undefined;
    } catch {
      body = undefined;
    }
    const request: FakeLlmRequest = {
      method,
      path,
      headers,
      authorization: typeof headers.authorization === 'string' ? headers.authorization : undefined,
      body,
      model: body?.model,
      messages: Array.isArray(body?.messages) ? (body.messages as FakeLlmRequest['messages']) : [],
      temperature: body?.temperature,
      maxTokens: body?.max_tokens ?? body?.max_completion_tokens,
    };
    const index = requests.length;
    requests.push(request);
    let reply: FakeLlmReply | undefined;
    try {
      reply = Array.isArray(current) ? current.shift() : await current(request, index);
    } catch (error) {
      send(res, 500, { error: { message: `fake-llm: the script threw: ${String(error)}`, type: 'server_error', code: null } });
      return;
    }
    if (!reply) {
      send(res, 500, { error: { message: `fake-llm: the script has no reply left for request #${index + 1}`, type: 'server_error', code: null } });
      return;
    }
    const answer = reply;
    const respond = () => {
      if (res.destroyed || res.writableEnded) return;
      const status = answer.status ?? 200;
      const extra = answer.headers ?? {};
      if (answer.body !== undefined) {
        if (typeof answer.body === 'string') {
          res.writeHead(status, { 'content-type': 'text/plain', ...extra }).end(answer.body);
        } else {
          send(res, status, answer.body, extra);
        }
        return;
      }
      if (status < 200 || status >= 300) {
        send(res, status, { error: { message: `fake-llm: scripted HTTP ${status}`, type: status >= 500 ? 'server_error' : 'invalid_request_error', code: null } }, extra);
        return;
      }
      send(res, status, completion(request, answer), extra);
    };
    if (answer.delayMs && answer.delayMs > 0) {
      const timer = setTimeout(() => {
        timers.delete(timer);
        respond();
      }, answer.delayMs);
      timers.add(timer);
      res.on('close', () => {
        clearTimeout(timer);
        timers.delete(timer);
      });
    } else {
      respond();
    }
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    port,
    requests,
    setScript: (next) => {
      current = Array.isArray(next) ? [...next] : next;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const timer of timers) clearTimeout(timer);
        timers.clear();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** An OpenAI-shaped chat completion for `reply`, usage estimated at four characters a token. */
function completion(request: FakeLlmRequest, reply: FakeLlmReply): Record<string, unknown> {
  const content = reply.content ?? '';
  const promptChars = request.messages.reduce((sum, m) => sum + String(m.content ?? '').length, 0);
  const prompt = reply.usage?.prompt_tokens ?? Math.ceil(promptChars / 4);
  const completionTokens = reply.usage?.completion_tokens ?? Math.ceil(content.length / 4);
  return {
    id: `chatcmpl-fake-${Math.random().toString(36).slice(2, 10)}`,
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model: typeof request.model === 'string' ? request.model : 'fake-model',
    choices: [{ index: 0, message: { role: 'assistant', content: reply.content ?? null }, finish_reason: reply.finishReason ?? 'stop', logprobs: null }],
    usage: { prompt_tokens: prompt, completion_tokens: completionTokens, total_tokens: reply.usage?.total_tokens ?? prompt + completionTokens },
  };
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (res.destroyed || res.writableEnded) return;
  res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
}
