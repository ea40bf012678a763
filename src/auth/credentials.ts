import type { IncomingHttpHeaders } from 'node:http';
import type { CallerContext } from '../job-queue';

/** What the caller presented: a Bearer value (JWT or API key) or an `x-api-key` value. */
export type Credential = { kind: 'bearer' | 'api-key'; value: string };

/**
 * The credential of a request: `Authorization: Bearer <token>` or `x-api-key: <key>` headers; over graphql-ws
 * `connectionParams.authorization` (with or without "Bearer "), else the upgrade request's headers.
 * Undefined when none is given; a malformed one is returned as is and fails verification.
 */
export function presentedCredential(context: CallerContext): Credential | undefined {
  if (context.transport === 'ws') {
    const fromParams = context.connectionParams?.authorization;
    if (fromParams !== undefined)
      return { kind: 'bearer', value: typeof fromParams === 'string' ? bearerValue(fromParams) : '' };
  }
  return fromHeaders(context.request.headers);
}

function fromHeaders(headers: IncomingHttpHeaders): Credential | undefined {
  if (headers.authorization !== undefined) return { kind: 'bearer', value: bearerValue(headers.authorization) };
  const apiKey = headers['x-api-key'];
  if (apiKey !== undefined) return { kind: 'api-key', value: Array.isArray(apiKey) ? '' : apiKey.trim() };
  return undefined;
}

function bearerValue(authorization: string): string {
  const match = /^\s*Bearer\s+(\S+)\s*$/i.exec(authorization);
  return match ? match[1] : authorization.trim();
}
