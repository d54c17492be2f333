import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request the fake received: its parsed GraphQL body. */
export interface FakeRequest {
  readonly query: string;
  readonly variables: Record<string, unknown> | undefined;
  readonly headers: http.IncomingHttpHeaders;
}

export interface FakeAnswer {
  readonly status?: number;
  readonly headers?: Record<string, string>;
  readonly body: string;
}

/**
 * A tiny HTTP server standing in for a subgraph, only for faults a real subgraph cannot produce
 * (HTTP 5xx, a non-JSON body, a wrong `_entities` length, 429 with Retry-After). `answer` may
 * return `'forward'` to pass the request to a real subgraph at `forwardTo`.
 */
export interface FakeSubgraph {
  readonly url: string;
  readonly requests: FakeRequest[];
  close(): Promise<void>;
}

export async function startFakeSubgraph(
  answer: (request: FakeRequest, index: number) => FakeAnswer | 'forward',
  forwardTo?: string,
): Promise<FakeSubgraph> {
  const requests: FakeRequest[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const parsed = JSON.parse(text) as { query: string; variables?: Record<string, unknown> };
      const request = { query: parsed.query, variables: parsed.variables, headers: req.headers };
      requests.push(request);
      const reply = answer(request, requests.length - 1);
      if (reply === 'forward') {
        void forward(forwardTo!, text, req.headers).then((r) => {
          res.writeHead(r.status, { 'content-type': 'application/json' });
          res.end(r.body);
        });
        return;
      }
      res.writeHead(reply.status ?? 200, { 'content-type': 'application/json', ...reply.headers });
      res.end(reply.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/graphql`,
    requests,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function forward(url: string, body: string, headers: http.IncomingHttpHeaders) {
  const pass = Object.fromEntries(
    Object.entries(headers).filter(
      (e): e is [string, string] =>
        typeof e[1] === 'string' && !['host', 'content-length', 'connection'].includes(e[0]),
    ),
  );
  const response = await fetch(url, { method: 'POST', headers: pass, body });
  return { status: response.status, body: await response.text() };
}
