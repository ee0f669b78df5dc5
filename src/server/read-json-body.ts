import type { IncomingMessage } from 'node:http';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
import type { Readable } from 'node:stream';

/** Why a request body was not taken; each maps to its own HTTP status and message. */
export type BodyRefusal = 'TOO_LARGE' | 'NOT_JSON' | 'NOT_UTF8' | 'ENCODING' | 'ABORTED';

export class BodyError extends Error {
  constructor(readonly refusal: BodyRefusal) {
    super(refusal);
  }
}

/** application/json (with parameters), as a JSON body parser takes it; anything else is not read as JSON. */
const JSON_TYPE = /^\s*application\/json\s*(?:;|$)/i;
const CHARSET = /;\s*charset\s*=\s*"?([^";\s]+)"?/i;

/**
 * The JSON body of a request: `undefined` when it is not declared as JSON (the GraphQL layer then says
 * what it expected), the parsed value otherwise, `{}` for an empty one. At most `limit` bytes after
 * decompression (gzip, deflate, br) are read: a declared length over it is refused before a byte is
 * read, and a stream that runs over it is cut as soon as it does. Only UTF-8; only an object or an
 * array at the top, as GraphQL over HTTP sends.
 */
export async function readJsonBody(req: IncomingMessage, limit: number): Promise<unknown> {
  const type = req.headers['content-type'];
  if (type === undefined || !JSON_TYPE.test(type)) {
    req.resume();
    return undefined;
  }
  const charset = CHARSET.exec(type)?.[1]?.toLowerCase();
  if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8') throw new BodyError('NOT_UTF8');
  const encoding = (req.headers['content-encoding'] ?? 'identity').toLowerCase();
  const declared = Number(req.headers['content-length']);
  if (encoding === 'identity' && Number.isFinite(declared) && declared > limit) throw new BodyError('TOO_LARGE');
  const source = decode(req, encoding);
  const chunks: Buffer[] = [];
  let size = 0;
  await new Promise<void>((resolve, reject) => {
    const fail = (error: BodyError) => {
      source.off('data', onData);
      if (source !== req) source.destroy();
      // The rest is read and dropped, so the connection stays usable for the answer.
      req.resume();
      reject(error);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) fail(new BodyError('TOO_LARGE'));
      else chunks.push(chunk);
    };
    source.on('data', onData);
    source.once('end', () => resolve());
    source.once('error', () => fail(new BodyError(source === req ? 'ABORTED' : 'NOT_JSON')));
    if (source !== req) req.once('aborted', () => fail(new BodyError('ABORTED')));
  });
  const text = chunks.length === 1 ? chunks[0]!.toString('utf8') : Buffer.concat(chunks, size).toString('utf8');
  const first = /\S/.exec(text)?.[0];
  if (first === undefined) return {};
  if (first !== '{' && first !== '[') throw new BodyError('NOT_JSON');
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new BodyError('NOT_JSON');
  }
}

function decode(req: IncomingMessage, encoding: string): Readable {
  switch (encoding) {
    case 'identity':
      return req;
    case 'gzip':
    case 'x-gzip':
      return req.pipe(createGunzip());
    case 'deflate':
      return req.pipe(createInflate());
    case 'br':
      return req.pipe(createBrotliDecompress());
    default:
      req.resume();
      throw new BodyError('ENCODING');
  }
}
