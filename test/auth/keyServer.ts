import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { JWK } from 'jose';
import { loadConfig } from '../../src/config/config.js';
import { createTokenVerifier, type VerifierOptions } from '../../src/auth/verifier.js';
import { createTestIssuer, type TestIssuer } from '../helpers/tokens.js';

/** A real JWKS endpoint for tests: serves `keys`, counts fetches, can fail or hang on demand. */
export interface KeyServer {
  /** Base URL; the key set is at `${url}/jwks.json` (any path answers). */
  readonly url: string;
  readonly fetches: number;
  keys: JWK[];
  /** `ok` serves the keys; `error` answers 500; `hang` never answers; `garbage` sends non-JSON. */
  mode: 'ok' | 'error' | 'hang' | 'garbage';
  close(): Promise<void>;
}

export async function startKeyServer(options: { keys: JWK[] }): Promise<KeyServer> {
  let fetches = 0;
  const hanging = new Set<http.ServerResponse>();
  const state = { keys: options.keys, mode: 'ok' as KeyServer['mode'] };
  const server = http.createServer((_req, res) => {
    fetches++;
    switch (state.mode) {
      case 'hang':
        hanging.add(res);
        return;
      case 'error':
        res.writeHead(500).end('down');
        return;
      case 'garbage':
        res.writeHead(200, { 'content-type': 'application/json' }).end('<html>');
        return;
      case 'ok':
        res
          .writeHead(200, { 'content-type': 'application/json' })
          .end(JSON.stringify({ keys: state.keys }));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    get fetches() {
      return fetches;
    },
    get keys() {
      return state.keys;
    },
    set keys(keys) {
      state.keys = keys;
    },
    get mode() {
      return state.mode;
    },
    set mode(mode) {
      state.mode = mode;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const res of hanging) res.destroy();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/**
 * The gateway's verifier on a fresh key server serving k1's key (k2 shares issuer and audience,
 * ready for a rotation). The server is pushed to `servers` so the caller's afterEach closes it.
 */
export async function jwksVerifier(servers: KeyServer[], options: VerifierOptions = {}) {
  const k1 = await createTestIssuer({ kid: 'k1' });
  const k2 = await createTestIssuer({ kid: 'k2', issuer: k1.issuer, audience: k1.audience });
  const server = await startKeyServer({ keys: [k1.publicJwk] });
  servers.push(server);
  const config = loadConfig({
    NODE_ENV: 'test',
    JWT_JWKS_URL: `${server.url}/jwks.json`,
    JWT_ISSUER: k1.issuer,
    JWT_AUDIENCE: k1.audience,
  });
  const verifier = createTokenVerifier(
    config.auth,
    () => {
      throw new Error('no dev keys here');
    },
    options,
  );
  const verdict = async (issuer: TestIssuer, header = {}) => {
    const outcome = await verifier.verify(`Bearer ${await issuer.mint({}, { header })}`);
    return outcome.ok ? 'ok' : outcome.reason;
  };
  return { k1, k2, server, verdict };
}
