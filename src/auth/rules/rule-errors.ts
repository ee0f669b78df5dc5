import type { GraphQLResolveInfo } from 'graphql';
import { AppError, ErrorCode } from '../../errors/app-error.js';

export function notSignedIn(): AppError {
  return new AppError(
    ErrorCode.UNAUTHENTICATED,
    'This needs an API key. Send it as "Authorization: Bearer <key>" or "X-API-Key: <key>".',
  );
}

export function forbidden(info: GraphQLResolveInfo, needed: string, reason: string): AppError {
  const resource = `${info.parentType.name}.${info.fieldName}`;
  return new AppError(ErrorCode.FORBIDDEN, `You may not use ${resource}: ${reason}.`, {
    denied: [{ resource, needed, reason }],
  });
}
