import { Injectable, type NestMiddleware } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { GraphQLError } from 'graphql';

/**
 * Deepest nesting of {}, [] and () a GraphQL document may have. graphql-js parses recursively: an inline value
 * nested 3,000 levels overflowed the stack ("Maximum call stack size exceeded", naming nothing). A real
 * operation needs its selection depth plus a job's options (at most 32 levels, see INPUT_LIMITS).
 */
export const MAX_QUERY_NESTING = 100;

/** The deepest nesting of brackets in a GraphQL document, outside strings and comments; one pass, no recursion. */
export function queryNesting(query: string): number {
  let depth = 0;
  let deepest = 0;
  for (let index = 0; index < query.length; index++) {
    const char = query[index];
    if (char === '#') {
      while (index < query.length && query[index] !== '\n') index++;
    } else if (char === '"') {
      const block = query.startsWith('"""', index);
      const end = block ? '"""' : '"';
      index += end.length;
      while (index < query.length && !query.startsWith(end, index)) index += query[index] === '\\' ? 2 : 1;
      index += end.length - 1;
    } else if (char === '{' || char === '[' || char === '(') {
      deepest = Math.max(deepest, ++depth);
    } else if (char === '}' || char === ']' || char === ')') {
      depth--;
    }
  }
  return deepest;
}

/** The error for a document nested deeper than MAX_QUERY_NESTING (BAD_USER_INPUT naming `query`), or null. */
export function queryNestingError(query: unknown): GraphQLError | null {
  if (typeof query !== 'string' || queryNesting(query) <= MAX_QUERY_NESTING) return null;
  return new GraphQLError(`query must not nest {}, [] or () more than ${MAX_QUERY_NESTING} levels deep`, {
    extensions: { code: 'BAD_USER_INPUT' },
  });
}

/** Refuses such a document on /graphql over HTTP before Apollo parses it: 400. (graphql-ws: see AppModule.) */
@Injectable()
export class GraphQLNestingMiddleware implements NestMiddleware {
  use(request: Request, response: Response, next: NextFunction): void {
    const body: unknown = request.body;
    const documents = [
      ...(Array.isArray(body) ? body : [body]).map((entry) => (entry as { query?: unknown } | undefined)?.query),
      request.query?.query,
    ];
    const error = documents.map(queryNestingError).find((found) => found !== null);
    if (!error) return next();
    response.status(400).json({ errors: [error.toJSON()] });
  }
}
