import { when } from '../../format';
import type { JobStats } from '../../types';

export function ErrorsByCode({ errors }: { errors: JobStats['errors'] }) {
  return (
    <section class="panel" aria-labelledby="errors-title">
      <h2 id="errors-title">Errors by code</h2>
      {errors.length === 0 ? (
        <p>No failed attempts.</p>
      ) : (
        <table aria-labelledby="errors-title">
          <thead>
            <tr>
              <th scope="col">Code</th>
              <th scope="col">Failed attempts</th>
              <th scope="col">Last seen</th>
            </tr>
          </thead>
          <tbody>
            {errors.map((error) => (
              <tr key={error.code}>
                <td>{error.code}</td>
                <td>{error.count}</td>
                <td>{when(error.lastSeenAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
