import { ApolloClient, gql, HttpLink, InMemoryCache, split } from '@apollo/client';
import { GraphQLWsLink } from '@apollo/client/link/subscriptions';
import { getMainDefinition } from '@apollo/client/utilities';
import { Kind, OperationTypeNode } from 'graphql';
import { Readable } from 'node:stream';
import { ANONYMOUS_ADMIN, FileStorageService } from '../../src/job-queue';
import { databaseLabel } from '../support/database';
import { StepsProcessor } from '../support/steps-processor';
import { type TestApp, useTestApp, waitFor } from '../support/test-app';

const JOB = gql`
  query Job($id: ID!) {
    job(id: $id) {
      id
      status
      stage
      progress
    }
  }
`;
const FOLLOW = gql`
  subscription Follow($jobId: ID!) {
    jobProgress(jobId: $jobId) {
      job {
        id
        status
        stage
        progress
      }
    }
  }
`;

interface CachedJob {
  id: string;
  status: string;
  stage: string;
  progress: number;
}

/** Acceptance of issue 15: Apollo Client, as a frontend developer sets it up, sees a watched job's progress rise. */
describe(`Apollo Client: a watched job's cached progress follows jobProgress (${databaseLabel})`, () => {
  let service: TestApp;
  useTestApp({ providers: [StepsProcessor] }, (started) => ({ service } = started));

  /** A held job (it cannot start before the test releases it), watched by a client as a frontend would set it up. */
  const watchedJob = async () => {
    const file = await service.app
      .get(FileStorageService)
      .store(Readable.from([Buffer.alloc(64 * 1024, 1)]), 'data.steps', ANONYMOUS_ADMIN);
    const { data } = await service.gql(
      `mutation($f: ID!, $r: DateTime) { enqueueJob(input: { fileId: $f, runAt: $r }) { id } }`,
      { f: file.id, r: new Date(Date.now() + 3_600_000).toISOString() },
    );
    const jobId = data.enqueueJob.id as string;
    const counts = { httpRequests: 0 };
    const http = new HttpLink({
      uri: `${service.url}/graphql`,
      fetch: (input, init) => {
        counts.httpRequests++;
        return fetch(input, init);
      },
    });
    const client = new ApolloClient({
      link: split(
        ({ query }) => {
          const definition = getMainDefinition(query);
          return (
            definition.kind === Kind.OPERATION_DEFINITION && definition.operation === OperationTypeNode.SUBSCRIPTION
          );
        },
        new GraphQLWsLink(service.wsClient()),
        http,
      ),
      cache: new InMemoryCache(),
    });
    const seen: CachedJob[] = [];
    const watched = client
      .watchQuery<{ job: CachedJob }>({ query: JOB, variables: { id: jobId } })
      .subscribe(({ data: result }) => {
        if (result?.job) seen.push({ ...(result.job as CachedJob) }); // Apollo 4 types data as possibly partial
      });
    const release = () => service.prisma.driver.records.overwriteJob(jobId, { availableAt: new Date() });
    const stop = () => {
      watched.unsubscribe();
      client.stop();
    };
    return { jobId, client, seen, counts, release, stop };
  };

  it('rises while the job runs and reaches 100 at COMPLETED, without refetching the watched query', async () => {
    const { jobId, client, seen, counts, release, stop } = await watchedJob();
    let updates = 0;
    const followed = client.subscribe({ query: FOLLOW, variables: { jobId } }).subscribe(() => updates++);
    try {
      await waitFor(() => seen.length > 0 && updates > 0); // both live: the watched job and the subscription's first update
      expect(seen[0]).toMatchObject({ id: jobId, status: 'PENDING', progress: 0 });
      await release();
      await waitFor(() => seen.at(-1)?.status === 'COMPLETED', 15_000);

      const progress = seen.map((job) => job.progress);
      expect(seen.at(-1)).toMatchObject({ status: 'COMPLETED', stage: 'COMPLETED', progress: 100 });
      for (let index = 1; index < progress.length; index++)
        expect(progress[index]).toBeGreaterThanOrEqual(progress[index - 1]);
      // It rose through the run, not in one jump at the end: several values strictly between 0 and 100.
      expect(new Set(progress.filter((value) => value > 0 && value < 100)).size).toBeGreaterThan(2);
      expect(counts.httpRequests).toBe(1); // the watched query was read once; the subscription alone moved it
    } finally {
      followed.unsubscribe();
      stop();
    }
  });

  it('control: updates keyed only by jobId (revision 1) leave the watched job where it was', async () => {
    const { jobId, client, seen, release, stop } = await watchedJob();
    const statuses: string[] = [];
    const followed = client
      .subscribe<{ jobProgress: { jobId: string; status: string; progress: number } }>({
        query: gql`
          subscription FollowById($jobId: ID!) {
            jobProgress(jobId: $jobId) {
              jobId
              status
              progress
            }
          }
        `,
        variables: { jobId },
      })
      .subscribe(({ data }) => statuses.push(data!.jobProgress.status));
    try {
      await waitFor(() => seen.length > 0 && statuses.length > 0);
      await release();
      await waitFor(() => statuses.at(-1) === 'COMPLETED', 15_000);
      expect(seen).toEqual([
        { __typename: 'ProcessingJob', id: jobId, status: 'PENDING', stage: 'QUEUED', progress: 0 },
      ]);
    } finally {
      followed.unsubscribe();
      stop();
    }
  });
});
