import type { ApolloServerPlugin, GraphQLServerListener } from '@apollo/server';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { ApolloServerPluginLandingPageLocalDefault } from '@apollo/server/plugin/landingPage/default';

/**
 * A link to /graphiql in the corner of Apollo's landing page. Apollo Sandbox loads from Apollo's CDN and shows only
 * "Apollo Sandbox cannot be loaded" without internet; GraphiQL is served from this package's own files. The style
 * carries the page's nonce: its Content-Security-Policy allows no other inline style.
 */
export function graphiqlLink(nonce: string | undefined): string {
  const nonceAttribute = nonce ? ` nonce="${nonce}"` : '';
  return `<style${nonceAttribute}>
  #graphiql-link { position: fixed; right: 12px; bottom: 12px; z-index: 10; padding: 6px 10px; border-radius: 6px;
    background: #1f2937; color: #fff; font: 14px system-ui, sans-serif; text-decoration: none; }
</style>
<a id="graphiql-link" href="/graphiql">GraphiQL (works offline)</a>`;
}

/** Apollo's landing page plugin with the link added before </body>; its own page is otherwise left as it is. */
function withGraphiqlLink(plugin: ApolloServerPlugin): ApolloServerPlugin {
  return {
    async serverWillStart(service) {
      const listener = (await plugin.serverWillStart?.(service)) as GraphQLServerListener | undefined;
      const landingPage = await listener?.renderLandingPage?.();
      if (!landingPage) return listener;
      const render = async () => {
        const html = typeof landingPage.html === 'string' ? landingPage.html : await landingPage.html();
        const nonce = /nonce="?([0-9a-f]+)/.exec(html)?.[1];
        return html.replace('</body>', `${graphiqlLink(nonce)}\n</body>`);
      };
      return { ...listener, renderLandingPage: () => Promise.resolve({ html: render }) };
    },
  };
}

/**
 * What GET /graphql shows a browser: Apollo Sandbox (when `enabled`), linking to /graphiql when that is served;
 * otherwise nothing (Apollo's own default would still serve a landing page, so it is disabled explicitly).
 */
export function graphqlLandingPage(enabled: boolean, explorerServed: boolean): ApolloServerPlugin {
  if (!enabled) return ApolloServerPluginLandingPageDisabled();
  const sandbox = ApolloServerPluginLandingPageLocalDefault({ embed: true });
  return explorerServed ? withGraphiqlLink(sandbox) : sandbox;
}
