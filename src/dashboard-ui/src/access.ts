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
  const [access, setAccess] = useState<Access>({ kind: 'checking' });
  useEffect(() => {
    setAccess({ kind: 'checking' });
    let current = true;
    void client
      .query(STALLED, {}, { requestPolicy: 'network-only' })
      .toPromise()
      .then(({ error }) => {
        if (!current) return;
        const code = errorCode(error);
        if (!error) setAccess({ kind: 'admin' });
        else if (code === 'FORBIDDEN') setAccess({ kind: 'user' });
        else if (code === 'UNAUTHENTICATED') setAccess({ kind: 'sign-in' });
        else setAccess({ kind: 'failed', message: describeError(error) });
      });
    return () => {
      current = false;
    };
  }, [client]);
  return access;
}
