import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { NextFunction, Request, Response } from 'express';

/**
 * The browser console (apps/console), built by `npm run build` into `dist/console` of the
 * workspace: the directory holding package.json above this file, from the sources or from dist.
 */
export function consoleDirectory(from = __dirname): string | undefined {
  for (let dir = from; dir !== dirname(dir); dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) {
      const built = join(dir, 'dist', 'console');
      return existsSync(join(built, 'index.html')) ? built : undefined;
    }
  }
  return undefined;
}

/** Scripts, styles and API calls from this origin only; WebSocket to the instances' endpoints; never framed. */
const CONSOLE_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self' ws: wss:",
  // mqtt.js runs its keep-alive timers in a worker made from a blob (timers in a background tab are throttled).
  "worker-src 'self' blob:",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'self'",
].join('; ');

/**
 * Serves the console's static files at /console (its own routes fall back to index.html) and
 * redirects the API root there. The console calls only /v1, like any other client.
 */
export function serveConsole(app: NestExpressApplication, directory = consoleDirectory()): void {
  app.use((request: Request, response: Response, next: NextFunction) => {
    if (request.method === 'GET' && request.path === '/') return response.redirect(302, '/console/');
    if (!request.path.startsWith('/console')) return next();
    response.setHeader('content-security-policy', CONSOLE_CSP);
    response.setHeader('x-content-type-options', 'nosniff');
    response.setHeader('referrer-policy', 'no-referrer');
    if (!directory) return response.status(404).type('text/plain').send('The console is not built: run `npm run build`.\n');
    if (request.path === '/console') return response.redirect(302, '/console/');
    next();
  });
  if (!directory) return;
  app.useStaticAssets(directory, { prefix: '/console/', index: 'index.html', maxAge: '1h', setHeaders: noCacheForIndex });
  app.use('/console', (request: Request, response: Response, next: NextFunction) => {
    // A route of the console's own (/console/instances/…) is its page, index.html.
    if (request.method !== 'GET' || request.path.startsWith('/assets/')) return next();
    noCacheForIndex(response, 'index.html');
    response.sendFile(join(directory, 'index.html'));
  });
}

function noCacheForIndex(response: Response, path: string): void {
  if (path.endsWith('index.html')) response.setHeader('cache-control', 'no-cache');
}
