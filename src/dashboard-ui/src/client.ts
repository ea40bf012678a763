import { cacheExchange, Client, fetchExchange, subscriptionExchange } from '@urql/core';
import { createClient as createWsClient } from 'graphql-ws';
import { authorization } from './session';

export interface DashboardClient {
  client: Client;
  dispose(): void;
}

/**
 * One urql client per token: queries and mutations by JSON POST to /graphql, subscriptions over graphql-ws on the same origin. Signing in makes a new client, so no socket outlives
 * the token it was opened with. `onConnected` is called each time the socket is (re)acknowledged: whatever changed
 * while it was down, or before the first subscription was live, reached no subscriber, so the page reads again.
 */
export function createDashboardClient(token: string | null, onConnected: () => void): DashboardClient {
  const headers = authorization(token);
  const sockets = createWsClient({
    url: `${location.origin.replace(/^http/, 'ws')}/graphql`,
    connectionParams: headers,
    lazy: true,
    on: { connected: onConnected },
  });
  const client = new Client({
    url: '/graphql',
    // urql would send queries as GET, which Apollo's CSRF check refuses without a preflight header: POST JSON.
    preferGetMethod: false,
    fetchOptions: { headers },
    exchanges: [
      cacheExchange,
      fetchExchange,
      subscriptionExchange({
        forwardSubscription: (request) => ({
          subscribe: (sink) => ({ unsubscribe: sockets.subscribe({ ...request, query: request.query ?? '' }, sink) }),
        }),
      }),
    ],
  });
  // dispose() waits for a connection attempt under way and rejects when that attempt fails (graphql-ws 6 rejects with
  // "All Subscriptions Gone" when it was waiting to retry): the client is being dropped, so there is nothing to do.
  const dispose = () => void Promise.resolve(sockets.dispose()).catch(() => undefined);
  return { client, dispose };
}
