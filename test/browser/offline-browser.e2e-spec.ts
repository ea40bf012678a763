// The callbacks given to page.evaluate run in the browser, on its DOM.
/// <reference lib="dom" />
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { openBrowser, type BrowserSession } from '../support/browser';
import { waitFor } from '../support/test-app';

/**
 * The offline check the dashboard and GraphiQL tests rely on: a page that reaches for another host (a CDN script, a
 * font, a WebSocket) has those requests refused and listed, while its own host is served as usual. Without this
 * control, an empty `refusedRequests` in those tests could mean the check never looked.
 */
describe('browser sessions refuse every host but the service', () => {
  let server: Server;
  let url: string;
  let session: BrowserSession | undefined;

  beforeAll(async () => {
    server = createServer((request, response) => {
      if (request.url === '/self.js') {
        response.setHeader('content-type', 'text/javascript');
        response.end('document.body.dataset.self = "loaded";');
        return;
      }
      response.setHeader('content-type', 'text/html');
      if (request.url === '/foreign') {
        response.end(`<!doctype html><body>
          <link rel="stylesheet" href="https://fonts.example.com/css">
          <script src="https://cdn.example.com/lib.js"></script>
          <script src="/self.js"></script>
          <script>new WebSocket('wss://events.example.com/socket');</script>
        </body>`);
        return;
      }
      response.end('<!doctype html><body><script src="/self.js"></script></body>');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterEach(async () => {
    await session?.close();
    session = undefined;
  });

  afterAll(() => new Promise((resolve) => server.close(resolve)));

  it('refuses and lists each request to another host, HTTP and WebSocket alike', async () => {
    session = await openBrowser(url);
    await session.page.goto(`${url}/foreign`);
    await session.page.waitForFunction(() => document.body.dataset.self === 'loaded');
    await waitFor(() => session!.refusedRequests.length >= 3);
    expect([...session.refusedRequests].sort()).toEqual([
      'https://cdn.example.com/lib.js',
      'https://fonts.example.com/css',
      'wss://events.example.com/socket',
    ]);
  });

  it('lets the service host through and lists nothing for a page that needs no other host', async () => {
    session = await openBrowser(url);
    await session.page.goto(`${url}/`);
    await session.page.waitForFunction(() => document.body.dataset.self === 'loaded');
    expect(session.refusedRequests).toEqual([]);
    expect(session.pageErrors).toEqual([]);
  });
});
