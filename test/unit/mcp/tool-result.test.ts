import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { AppError, ErrorCode } from '../../../src/errors/app-error.js';
import { INTERNAL_MESSAGE } from '../../../src/errors/format-error.js';
import { createLogger } from '../../../src/logger.js';
import { toolError, toolResult } from '../../../src/mcp/tool-result.js';

function capturingLog() {
  const lines: string[] = [];
  return { lines, log: createLogger('info', new Writable({ write: (chunk: Buffer, _e, done) => done(void lines.push(chunk.toString('utf8'))) })) };
}

const body = (result: { content: unknown[] }) => JSON.parse((result.content[0] as { text: string }).text) as unknown;

describe('tool results', () => {
  it('carry the same values as structured content and as text, bigints as strings', () => {
    const result = toolResult({ rows: [{ n: 42n }] });
    expect(result.structuredContent).toEqual({ rows: [{ n: '42' }] });
    expect(body(result)).toEqual(result.structuredContent);
  });

  it("give an AppError's code, message, details and the request id, as GraphQL's extensions do", () => {
    const denied = [{ resource: 'public.customers.email', needed: 'READ', reason: 'no grant allows READ on this column' }];
    const result = toolError(new AppError(ErrorCode.FORBIDDEN, 'You may not do this: public.customers.email.', { denied }), 'req-1', capturingLog().log);
    expect(result.isError).toBe(true);
    expect(body(result)).toEqual({ code: 'FORBIDDEN', message: 'You may not do this: public.customers.email.', denied, requestId: 'req-1' });
  });

  it('mask anything else as INTERNAL with the request id, the original only in the log', () => {
    const { lines, log } = capturingLog();
    const result = toolError(new Error('connect ECONNREFUSED 10.0.0.7:5432 password=hunter2'), 'req-2', log);
    expect(body(result)).toEqual({ code: 'INTERNAL', message: INTERNAL_MESSAGE, requestId: 'req-2' });
    expect(JSON.stringify(result)).not.toContain('10.0.0.7');
    expect(lines.join('')).toContain('ECONNREFUSED');
    // An AppError coded INTERNAL is masked the same way.
    expect(body(toolError(new AppError(ErrorCode.INTERNAL, 'the store said: relation "x" does not exist'), null, log))).toEqual({ code: 'INTERNAL', message: INTERNAL_MESSAGE });
  });
});
