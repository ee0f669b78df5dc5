import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.js';

describe('the logger', () => {
  it('blanks secrets wherever a careless log call puts them', () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        lines.push(chunk.toString('utf8'));
        callback();
      },
    });
    const log = createLogger('info', sink);
    log.info(
      {
        headers: { authorization: 'Bearer wdn_abc_SECRET1', 'x-api-key': 'SECRET2' },
        database: { password: 'SECRET3', connectionString: 'postgres://u:SECRET4@h/db' },
        apiKey: 'SECRET5',
      },
      'careless',
    );
    const text = lines.join('');
    expect(text).toContain('careless');
    expect(text).toContain('[redacted]');
    for (const secret of ['SECRET1', 'SECRET2', 'SECRET3', 'SECRET4', 'SECRET5']) expect(text).not.toContain(secret);
  });
});
