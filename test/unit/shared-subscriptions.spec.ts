import { type ExecutionArgs, type ExecutionResult, parse } from 'graphql';
import { rememberConnectionCaller } from '../../src/job-queue/common/connection-callers';
import type { WsConnection } from '../../src/job-queue/common/caller-context';
import { shareSubscriptions } from '../../src/job-queue/common/shared-subscriptions';
import { AsyncQueue } from '../../src/job-queue/common/async-queue';

/** A graphql-ws connection as authenticateConnections leaves it: its caller known. */
function connectionOf(userId: string): { req: WsConnection } {
  const connection = { connectionInitReceived: true, extra: { request: {} } } as unknown as WsConnection;
  rememberConnectionCaller(connection, { userId, isAdmin: false });
  return { req: connection };
}

const UPDATES = parse('subscription { jobUpdated { id } }');
const args = (contextValue: unknown, document = UPDATES): ExecutionArgs => ({ schema: undefined as never, document, contextValue });
const result = (id: number): ExecutionResult => ({ data: { jobUpdated: { id: String(id) } } });

describe('shareSubscriptions', () => {
  let sources: AsyncQueue<ExecutionResult>[];
  let closedSources: number;
  const subscribe = () => {
    const source = new AsyncQueue<ExecutionResult>(() => closedSources++);
    sources.push(source);
    return source as unknown as AsyncGenerator<ExecutionResult, void, void>;
  };
  beforeEach(() => {
    sources = [];
    closedSources = 0;
  });

  const take = async (stream: unknown, count: number) => {
    const iterator = stream as AsyncIterator<ExecutionResult>;
    const taken: unknown[] = [];
    while (taken.length < count) taken.push((await iterator.next()).value?.data?.jobUpdated?.id);
    return taken;
  };

  it('runs one source for identical subscriptions of one caller, hands each result to all, and closes it with the last', async () => {
    const share = shareSubscriptions({ fields: ['jobUpdated'], maxUnread: 100, subscribe });
    const alice = connectionOf('alice');
    const [first, second] = await Promise.all([share(args(alice)), share(args(connectionOf('alice')))]);
    expect(sources).toHaveLength(1);
    for (const id of [1, 2, 3]) sources[0].push(result(id));
    expect(await take(first, 3)).toEqual(['1', '2', '3']);
    expect(await take(second, 3)).toEqual(['1', '2', '3']);

    await (first as AsyncGenerator).return(undefined);
    expect(closedSources).toBe(0);
    await (second as AsyncGenerator).return(undefined);
    expect(closedSources).toBe(1);
    await share(args(alice)); // a new subscription after the last left starts a new source
    expect(sources).toHaveLength(2);
  });

  it('runs subscriptions of other callers, other documents and unshared fields on their own', async () => {
    const share = shareSubscriptions({ fields: ['jobUpdated'], maxUnread: 100, subscribe });
    await share(args(connectionOf('alice')));
    await share(args(connectionOf('bob')));
    await share(args(connectionOf('alice'), parse('subscription { jobUpdated(filter: { format: "csv" }) { id } }')));
    await share(args(connectionOf('alice'), parse('subscription { jobProgress(jobId: "1") { progress } }')));
    await share(args({ req: undefined })); // caller unknown: runs alone
    await share(args({ req: undefined }));
    expect(sources).toHaveLength(6);
  });

  it('ends a subscriber that leaves more than maxUnread results unread, while the others get every result', async () => {
    const share = shareSubscriptions({ fields: ['jobUpdated'], maxUnread: 5, subscribe });
    const [reader, stuck] = await Promise.all([share(args(connectionOf('carol'))), share(args(connectionOf('carol')))]);
    const received: unknown[] = [];
    for (let id = 1; id <= 8; id++) {
      sources[0].push(result(id));
      received.push(...(await take(reader, 1)));
    }
    expect(received).toEqual(['1', '2', '3', '4', '5', '6', '7', '8']);
    await expect((stuck as AsyncIterator<unknown>).next()).rejects.toThrow('left more than 5 updates unread');
    expect(closedSources).toBe(0);
  });
});
