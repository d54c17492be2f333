/**
 * Response compression: br or gzip as the client accepts, above COMPRESSION_MIN_BYTES only, with
 * `Vary: Accept-Encoding`; off with COMPRESSION=off. Read over raw HTTP to see the bytes sent.
 */
import http from 'node:http';
import zlib from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from '../helpers/stack.js';

const SCREEN = '{ products(first: 50) { id name description price seller { name } } }';

interface Raw {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly bytes: Buffer;
}

function raw(url: string, acceptEncoding: string | undefined, query = SCREEN): Promise<Raw> {
  const body = JSON.stringify({ query });
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(acceptEncoding === undefined ? {} : { 'accept-encoding': acceptEncoding }),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode!, headers: res.headers, bytes: Buffer.concat(chunks) }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

const decode = (r: Raw): unknown => {
  const encoding = r.headers['content-encoding'];
  const text =
    encoding === 'br'
      ? zlib.brotliDecompressSync(r.bytes)
      : encoding === 'gzip'
        ? zlib.gunzipSync(r.bytes)
        : r.bytes;
  return JSON.parse(text.toString('utf8'));
};

describe('compression on (default)', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(() => stack?.stop());

  it('sends br when the client prefers it, gzip when that is all it takes, the same data', async () => {
    const plain = await raw(stack.url, undefined);
    expect(plain.headers['content-encoding']).toBeUndefined();
    const br = await raw(stack.url, 'gzip, deflate, br');
    const gzip = await raw(stack.url, 'gzip');
    expect(br.headers['content-encoding']).toBe('br');
    expect(gzip.headers['content-encoding']).toBe('gzip');
    for (const r of [br, gzip]) {
      expect(r.status).toBe(200);
      expect(r.headers.vary?.toLowerCase()).toContain('accept-encoding');
      expect(r.bytes.length).toBeLessThan(plain.bytes.length / 3);
      expect((decode(r) as { data: unknown }).data).toEqual(
        (decode(plain) as { data: unknown }).data,
      );
    }
  });

  it('leaves small bodies and unknown encodings alone', async () => {
    const small = await raw(stack.url, 'br, gzip', '{ __typename }');
    expect(small.headers['content-encoding']).toBeUndefined();
    expect((decode(small) as { data: unknown }).data).toEqual({ __typename: 'Query' });
    const unknown = await raw(stack.url, 'zstd');
    expect(unknown.headers['content-encoding']).toBeUndefined();
    expect(unknown.status).toBe(200);
  });
});

describe('compression off', () => {
  it('COMPRESSION=off sends every body as it is', async () => {
    const stack = await startStack({ env: { COMPRESSION: 'off' } });
    try {
      const r = await raw(stack.url, 'br, gzip');
      expect(r.status).toBe(200);
      expect(r.headers['content-encoding']).toBeUndefined();
      expect((decode(r) as { data: { products: unknown[] } }).data.products).toHaveLength(50);
    } finally {
      await stack.stop();
    }
  });

  it('COMPRESSION_MIN_BYTES raises the threshold', async () => {
    const stack = await startStack({ env: { COMPRESSION_MIN_BYTES: '100000000' } });
    try {
      const r = await raw(stack.url, 'br, gzip');
      expect(r.headers['content-encoding']).toBeUndefined();
    } finally {
      await stack.stop();
    }
  });
});
