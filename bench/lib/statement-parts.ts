/**
 * The product's claim and completion taken apart, for bench/hot-path-designs.ts: each part is the product's own
 * statement with a piece cut out, run on the product's schema, so that the difference between two parts is what
 * that piece costs PostgreSQL. `claim alone` less `bare claim alone` is what the claim adds to its row update (its
 * tallies, and reading and sending each job's record); `current` less `claim alone` is the completion;
 * `bare claim, completed untallied` less `bare claim, deleted` is what keeping a job's outcome costs over deleting
 * the job, as graphile-worker completes (an upper bound: the schema's statement trigger tallies a delete, which the
 * untallied completion does not pay).
 */
import { CLAIM_SQL, COMPLETE_SQL } from '../../src/job-queue/database/postgres-queue-statements';
import { type Design, productQueue } from './design-sketches';

/** `sql` with `piece` replaced by `by`; throws when the piece is not there (the product's statement changed shape). */
export function cut(sql: string, piece: RegExp, by: string, what: string): string {
  if (!piece.test(sql)) throw new Error(`statement parts: ${what} is not in the product's statement any more`);
  return sql.replace(piece, () => by); // a function: a `$` in `by` stays a `$`
}

/** The statement without its tallies' CTE (postgres-tallies.ts). */
const untallied = (sql: string) => cut(sql, /\), tallied AS \([\s\S]*?\n\)\n/, ')\n', 'the tallies');

/** The claim's row update alone: no tallies, no record read, each claimed job's id back. */
export const BARE_CLAIM = cut(
  untallied(CLAIM_SQL),
  /\nSELECT [\s\S]*$/,
  '\nSELECT claimed.id FROM claimed',
  "the claim's read of the records",
);

/** A completion that writes nothing: the claimed ids back, so that the loop goes on to its next claim. */
const WRITES_NOTHING = 'SELECT $1::text AS worker, unnest($2::text[]) AS id';

/** Each part, on a queue of `jobs` jobs. */
export const statementParts = (jobs: number): Design[] => {
  const part = (name: string, claim: string, complete: string, withResults = false): Design => ({
    name,
    enqueue: productQueue(jobs),
    claim,
    complete,
    withResults,
    matchesAttempts: withResults,
    keepsTallies: false,
  });
  return [
    part('claim alone', CLAIM_SQL, WRITES_NOTHING),
    part('bare claim alone', BARE_CLAIM, WRITES_NOTHING),
    part('bare claim, deleted', BARE_CLAIM, 'DELETE FROM job_states WHERE id = ANY($2::text[]) AND lease_owner = $1'),
    part('bare claim, completed untallied', BARE_CLAIM, untallied(COMPLETE_SQL), true),
  ];
};
