import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { IncomingMessage, ServerResponse } from 'node:http';

/** Where the explorer's scripts and styles are served from (same origin, never a CDN). */
const ASSET_PREFIX = '/explorer/';

/** The explorer's files, by the name they are served under: the installed packages' own builds. */
const ASSETS: Readonly<Record<string, { readonly pkg: string; readonly file: string }>> = {
  'react.js': { pkg: 'react', file: 'umd/react.production.min.js' },
  'react-dom.js': { pkg: 'react-dom', file: 'umd/react-dom.production.min.js' },
  'graphiql.js': { pkg: 'graphiql', file: 'graphiql.min.js' },
  'graphiql.css': { pkg: 'graphiql', file: 'graphiql.min.css' },
};

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
};

/**
 * Scripts run only from this origin; GraphiQL sets inline styles. No connection leaves the page but
 * to the gateway itself.
 */
const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "frame-ancestors 'none'",
].join('; ');

export interface ExplorerOptions {
  /** Headers the editor starts with, e.g. a development token; never set in production. */
  readonly defaultHeaders?: () => Promise<Readonly<Record<string, string>>>;
}

/**
 * Answers the explorer's requests and returns true; returns false at once for every other request
 * (decided synchronously, so other requests wait for nothing).
 */
export type ExplorerHandler = (req: IncomingMessage, res: ServerResponse) => boolean;

/**
 * The GraphQL explorer (GraphiQL) that `GET /graphql` with `Accept: text/html` serves when
 * `EXPLORER` is on. Its scripts and styles come from the installed `graphiql`, `react` and
 * `react-dom` packages and are served by the gateway, so it works on a machine without internet.
 * Files are read once, on their first request.
 */
export function createExplorer(options: ExplorerOptions = {}): ExplorerHandler {
  const require = createRequire(import.meta.url);
  const files = new Map<string, Buffer>();
  const read = (name: string): Buffer | undefined => {
    const asset = ASSETS[name];
    if (!asset) return undefined;
    let content = files.get(name);
    if (!content) {
      // why via package.json: `react` exports no `umd/` subpath, but its package.json is exported.
      const dir = path.dirname(require.resolve(`${asset.pkg}/package.json`));
      content = fs.readFileSync(path.join(dir, asset.file));
      files.set(name, content);
    }
    return content;
  };

  return (req, res) => {
    const method = req.method ?? 'GET';
    if (method !== 'GET' && method !== 'HEAD') return false;
    const pathname = (req.url ?? '/').split('?', 1)[0]!;
    if (pathname.startsWith(ASSET_PREFIX)) {
      const name = pathname.slice(ASSET_PREFIX.length);
      if (name === 'explorer.js') {
        send(res, 200, CONTENT_TYPES['.js']!, Buffer.from(BOOT_SCRIPT), 'no-cache');
        return true;
      }
      const content = Object.hasOwn(ASSETS, name) ? read(name) : undefined;
      if (!content) return false;
      send(res, 200, CONTENT_TYPES[path.extname(name)]!, content, 'public, max-age=3600');
      return true;
    }
    if (!isBrowserVisit(req)) return false;
    const headers = options.defaultHeaders?.() ?? Promise.resolve({});
    headers
      // why no headers on failure: the page still works, the user pastes a token.
      .catch(() => ({}))
      .then((initial) => {
        res.setHeader('content-security-policy', CONTENT_SECURITY_POLICY);
        res.setHeader('vary', 'Accept');
        send(res, 200, 'text/html; charset=utf-8', Buffer.from(page(initial)), 'no-store');
      })
      .catch(() => res.destroy());
    return true;
  };
}

/**
 * A browser navigating to `/graphql`: a GET or HEAD asking for HTML before JSON. GraphQL clients
 * ask for JSON (or nothing) and never match.
 */
export function isBrowserVisit(req: IncomingMessage): boolean {
  const method = req.method ?? 'GET';
  if (method !== 'GET' && method !== 'HEAD') return false;
  return (req.url ?? '/').split('?', 1)[0] === '/graphql' && prefersHtml(req.headers.accept);
}

/** A browser asks for HTML first; GraphQL clients ask for JSON. */
function prefersHtml(accept: string | undefined): boolean {
  if (!accept) return false;
  const types = accept.split(',').map((t) => t.split(';', 1)[0]!.trim().toLowerCase());
  const html = types.indexOf('text/html');
  if (html === -1) return false;
  const json = types.findIndex((t) => t === 'application/json' || t.endsWith('+json'));
  return json === -1 || html < json;
}

function send(
  res: ServerResponse,
  status: number,
  contentType: string,
  body: Buffer,
  cacheControl: string,
): void {
  res.writeHead(status, {
    'content-type': contentType,
    'content-length': String(body.length),
    'cache-control': cacheControl,
    'x-content-type-options': 'nosniff',
  });
  res.end(res.req.method === 'HEAD' ? undefined : body);
}

/** JSON inside a `<script type="application/json">`: `<` escaped, so it cannot close the tag. */
function embed(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c');
}

function page(headers: Readonly<Record<string, string>>): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>GraphQL explorer</title>
<link rel="stylesheet" href="${ASSET_PREFIX}graphiql.css">
<style>
  html, body { height: 100%; margin: 0; }
  body { display: flex; flex-direction: column; font-family: system-ui, sans-serif; }
  #status { padding: 6px 12px; font-size: 13px; border-bottom: 1px solid #ddd; background: #f6f7f9; }
  #graphiql { flex: 1; min-height: 0; }
</style>
</head>
<body>
<div id="status">Run a query: its HTTP status, cost and remaining budget show here.</div>
<div id="graphiql">Loading the explorer…</div>
<script type="application/json" id="explorer-config">${embed({ endpoint: '/graphql', headers })}</script>
<script src="${ASSET_PREFIX}react.js"></script>
<script src="${ASSET_PREFIX}react-dom.js"></script>
<script src="${ASSET_PREFIX}graphiql.js"></script>
<script src="${ASSET_PREFIX}explorer.js"></script>
</body>
</html>
`;
}

/**
 * Runs in the browser: GraphiQL with a fetcher that also reads what GraphiQL does not show, the
 * response's status, `extensions.cost` and the RateLimit headers.
 */
const BOOT_SCRIPT = `(function () {
  var config = JSON.parse(document.getElementById('explorer-config').textContent);
  var status = document.getElementById('status');
  function show(res, body) {
    var cost = body && body.extensions && body.extensions.cost;
    var parts = ['HTTP ' + res.status];
    if (cost) parts.push('cost estimated ' + cost.estimated + ', actual ' + cost.actual + ', limit ' + cost.limit);
    var remaining = res.headers.get('RateLimit-Remaining');
    if (remaining !== null) parts.push('RateLimit-Remaining ' + remaining + ' of ' + res.headers.get('RateLimit-Limit'));
    var reset = res.headers.get('RateLimit-Reset');
    if (reset !== null) parts.push('RateLimit-Reset ' + reset + ' s');
    status.textContent = parts.join(' · ');
  }
  function fetcher(params, options) {
    var headers = Object.assign({ 'content-type': 'application/json', accept: 'application/json' }, (options && options.headers) || {});
    return fetch(config.endpoint, { method: 'POST', headers: headers, body: JSON.stringify(params) })
      .then(function (res) { return res.json().then(function (body) { show(res, body); return body; }); });
  }
  var root = ReactDOM.createRoot(document.getElementById('graphiql'));
  root.render(React.createElement(GraphiQL, {
    fetcher: fetcher,
    defaultHeaders: JSON.stringify(config.headers, null, 2),
    isHeadersEditorEnabled: true,
    shouldPersistHeaders: false,
    defaultEditorToolsVisibility: 'headers'
  }));
})();
`;
