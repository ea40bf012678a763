import type { WorkerConfig } from '../worker-app.module';
import { validConfiguration } from './configuration-problems';
import { logSettingsFromEnvironment } from './log-environment';
import { queueOptionsFromEnvironment } from './queue-environment';

/**
 * The worker process's settings: the queue's variables and LOG_*, read as the server reads them (each problem named by
 * its variable, all at once). The server's own variables (PORT, AUTH_*, GRAPHQL_*, ...) are not read: a worker serves
 * nothing, and reading them loaded the GraphQL packages for their defaults.
 */
export function loadWorkerConfig(env: Record<string, string | undefined> = process.env): WorkerConfig {
  const problems: string[] = [];
  const config = {
    logging: logSettingsFromEnvironment(env, problems),
    jobQueue: queueOptionsFromEnvironment(env, problems),
  };
  return validConfiguration(config, problems);
}
