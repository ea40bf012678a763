import type { Client } from '@urql/core';
import { useEffect, useState } from 'preact/hooks';
import { STALLED } from './documents';
import { errorCode, describeError } from './errors';

/**
 * What the caller may see, found out from the service's first answer: an admin may list stalled jobs; a signed-in
 * user is refused with FORBIDDEN; a caller without (valid) credentials with UNAUTHENTICATED, when the service
 * requires sign-in (without sign-in configured every caller is the anonymous admin).
 */
export type Access =
  | { kind: 'checking' }
  | { kind: 'admin' }
  | { kind: 'user' }
  | { kind: 'sign-in' }
  | { kind: 'failed'; message: string };

export function useAccess(client: Client): Access {
  // Kept with the client it was found for: on the render that brings a new client (a sign-in or sign-out), the old
  // answer must not show the pages, or they would subscribe without credentials (graphql-ws closes with 4403).
  const [found, setFound] = useState<{ client: Client; access: Access } | null>(null);
  useEffect(() => {
    let current = true;
    const settle = (access: Access) => current && setFound({ client, access });
    void client
      .query(STALLED, {}, { requestPolicy: 'network-only' })
      .toPromise()
      .then(({ error }) => {
        const code = errorCode(error);
        if (!error) settle({ kind: 'admin' });
        else if (code === 'FORBIDDEN') settle({ kind: 'user' });
        else if (code === 'UNAUTHENTICATED') settle({ kind: 'sign-in' });
        else settle({ kind: 'failed', message: describeError(error) });
      });
    return () => {
      current = false;
    };
  }, [client]);
  return found?.client === client ? found.access : { kind: 'checking' };
}
