import type { BodyRefusal } from './read-json-body.js';

/** How a refused request body is answered, on every route that reads one. */
export const BODY_REFUSALS: Record<Exclude<BodyRefusal, 'ABORTED'>, { status: number; message: string }> = {
  TOO_LARGE: { status: 413, message: 'The request body is larger than 1 MB.' },
  NOT_JSON: { status: 400, message: 'The request body is not valid JSON.' },
  NOT_UTF8: { status: 415, message: 'The request body must be UTF-8 JSON.' },
  ENCODING: { status: 415, message: 'The request body must be UTF-8 JSON.' },
};

/** The same refusals, named by express's body parser (its error `type`) on the routes it reads for. */
export const BODY_PARSER_REFUSALS: Partial<Record<string, keyof typeof BODY_REFUSALS>> = {
  'entity.parse.failed': 'NOT_JSON',
  'entity.too.large': 'TOO_LARGE',
  'encoding.unsupported': 'ENCODING',
  'charset.unsupported': 'NOT_UTF8',
};

/** The refusal a body parser's error stands for, if it is one. */
export function bodyParserRefusal(error: unknown): keyof typeof BODY_REFUSALS | undefined {
  const type = (error as { type?: unknown } | null)?.type;
  return typeof type === 'string' ? BODY_PARSER_REFUSALS[type] : undefined;
}
