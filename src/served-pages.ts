import type { INestApplication } from '@nestjs/common';
import type { AppConfig } from './config/environment';
import type { BuiltUi } from './job-queue/web-ui/built-ui';
import { WEB_UI_SERVED } from './job-queue/web-ui/web-ui.module';

/**
 * What the start-up log says is served, as it really is: GraphQL with or without Apollo Sandbox (which needs
 * internet), and each UI at its path, or why it answers 503.
 * "GraphQL at /graphql (landing page: Apollo Sandbox, from Apollo's CDN), GraphiQL at /graphiql, dashboard at /dashboard"
 */
export function servedPages(app: INestApplication, config: AppConfig): string {
  const sandbox = config.graphqlLandingPage ?? !config.production;
  const pages = [
    `GraphQL at /graphql (${sandbox ? "landing page: Apollo Sandbox, from Apollo's CDN" : 'no landing page'})`,
  ];
  for (const ui of app.get<BuiltUi[]>(WEB_UI_SERVED, { strict: false })) {
    const { title, route } = ui.settings;
    const name = title.replace(/^The /, '');
    pages.push(ui.built ? `${name} at /${route}` : `${name} at /${route} not built (503 until \`npm run build\`)`);
  }
  return pages.join(', ');
}
