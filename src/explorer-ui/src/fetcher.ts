import { createGraphiQLFetcher, type Fetcher } from '@graphiql/toolkit';
import { type Client, createClient } from 'graphql-ws';

/** The Authorization header of GraphiQL's Headers editor (any case), if one is set. */
function authorizationOf(headers: Record<string, unknown> | undefined): string | undefined {
  const entry = Object.entries(headers ?? {}).find(([name]) => name.toLowerCase() === 'authorization');
  return typeof entry?.[1] === 'string' && entry[1].trim() ? entry[1] : undefined;
}

/**
 * Queries and mutations as JSON POSTs to /graphql with the editor's headers; subscriptions over graphql-ws at
 * ws(s)://<this host>/graphql. The service checks a socket's credentials once, at connection_init, from
 * `connectionParams.authorization` (src/auth/credentials.ts), so the editor's Authorization header is carried there
 * too: when it changes, the socket is replaced by one signed in with the new value.
 */
export function signedInFetcher(): Fetcher {
  const socketUrl = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/graphql`;
  let current: { authorization: string | undefined; client: Client; fetcher: Fetcher } | undefined;
  return (params, options) => {
    const authorization = authorizationOf(options?.headers);
    if (!current || current.authorization !== authorization) {
      void current?.client.dispose();
      const client = createClient({ url: socketUrl, connectionParams: authorization ? { authorization } : {} });
      // Plain JSON answers: the service does not stream @defer/@stream, so the multipart reader would be dead code.
      const fetcher = createGraphiQLFetcher({ url: '/graphql', wsClient: client, enableIncrementalDelivery: false });
      current = { authorization, client, fetcher };
    }
    return current.fetcher(params, options);
  };
}
