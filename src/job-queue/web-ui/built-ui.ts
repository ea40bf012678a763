import { existsSync, statSync } from 'node:fs';
import { extname, join, resolve, sep } from 'node:path';
import type { Response } from 'express';
import { uiSecurityHeaders } from './ui-security-headers';

/** Vite names what it hashes `assets/<name>-<hash>.<ext>`: a new build gives new names, so these never go stale. */
const IMMUTABLE = 'public, max-age=31536000, immutable';
/** index.html names the current hashed assets: the browser asks again (a 304 when unchanged) on every load. */
const REVALIDATE = 'no-cache';

export interface BuiltUiSettings {
  /** What the log and the 503 call it: "The dashboard", "GraphiQL". */
  title: string;
  /** The URL path it is served at, without slashes: 'dashboard'. */
  route: string;
  /** Its Vite build output: index.html and assets/. */
  dir: string;
  /** A client-side router's paths (no file extension) get index.html; without it they are 404. */
  spaFallback: boolean;
  /** Its CSP allows inline styles (GraphiQL's editor writes them at run time). */
  inlineStyles: boolean;
}

/** One browser app built by Vite, served from its output folder (or a 503 saying how to build it). */
export class BuiltUi {
  constructor(readonly settings: BuiltUiSettings) {}

  get built(): boolean {
    return existsSync(join(this.settings.dir, 'index.html'));
  }

  /** Why it cannot be served yet, for the 503 and the start-up log. */
  get missingMessage(): string {
    const { title, route, dir } = this.settings;
    return `${title} is not built (${join(dir, 'index.html')} is missing): run \`npm run build\` to serve it at /${route}`;
  }

  /** Answers GET /<route>/<segments...>: a built file, index.html, 404, or 503 when the app is not built. */
  serve(segments: string[], host: string | undefined, response: Response): void {
    for (const [name, value] of Object.entries(uiSecurityHeaders(host, this.settings.inlineStyles)))
      response.setHeader(name, value);
    if (!this.built) {
      response.status(503).type('text/plain').setHeader('Cache-Control', 'no-store').send(this.missingMessage);
      return;
    }
    const file = this.fileAt(segments);
    if (file) return this.send(response, file, segments[0] === 'assets' ? IMMUTABLE : REVALIDATE);
    const isAppPath = segments.length === 0 || (this.settings.spaFallback && extname(segments.at(-1)!) === '');
    if (isAppPath) return this.send(response, join(this.settings.dir, 'index.html'), REVALIDATE);
    response.status(404).type('text/plain').send('Not found');
  }

  /** The regular file these segments name inside the build folder; never a path outside it (`..`, dotfiles). */
  private fileAt(segments: string[]): string | null {
    if (segments.length === 0 || segments.some((segment) => segment.startsWith('.') || segment.includes('\\'))) {
      return null;
    }
    const root = resolve(this.settings.dir);
    const path = resolve(root, ...segments);
    if (!path.startsWith(root + sep)) return null;
    try {
      return statSync(path).isFile() ? path : null;
    } catch {
      return null;
    }
  }

  private send(response: Response, path: string, cacheControl: string): void {
    response.setHeader('Cache-Control', cacheControl);
    response.sendFile(path, { cacheControl: false, dotfiles: 'deny' });
  }
}
