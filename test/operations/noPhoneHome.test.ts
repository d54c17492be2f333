/**
 * A self-hosted gateway contacts no third party by default: while it starts, plans and serves,
 * every connection the process opens goes to this machine (its subgraphs, here), and
 * `@apollo/gateway`'s usage reporting to Apollo is switched off.
 */
import diagnostics from 'node:diagnostics_channel';
import type net from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startStack, type Stack } from '../helpers/stack.js';
import { devToken } from '../helpers/tokens.js';

const destinations: string[] = [];
const onSocket = (message: unknown) => {
  const { socket } = message as { socket: net.Socket };
  socket.once('connect', () => destinations.push(`${socket.remoteAddress}:${socket.remotePort}`));
  socket.once('lookup', (_err, address: string) => destinations.push(`lookup ${address}`));
};

let stack: Stack;
beforeAll(async () => {
  diagnostics.subscribe('net.client.socket', onSocket);
  stack = await startStack({ env: { NODE_ENV: 'development' } });
});
afterAll(async () => {
  diagnostics.unsubscribe('net.client.socket', onSocket);
  await stack?.stop();
});

it('opens connections to this machine only, and has Apollo usage reporting off', async () => {
  const token = await devToken('u2', 'read:email read:payments');
  const { status } = await stack.query(
    '{ me { name email payments(first: 2) { amount product { name } } } products(first: 3) { name seller { name } } }',
    { token },
  );
  expect(status).toBe(200);
  expect(destinations.length).toBeGreaterThan(0); // the subgraph fetches were seen
  for (const destination of destinations)
    expect(destination).toMatch(
      /^(lookup )?(127\.\d+\.\d+\.\d+|::1|::ffff:127\.\d+\.\d+\.\d+)(:\d+)?$/,
    );
  expect(process.env.APOLLO_TELEMETRY_DISABLED).toBe('true');
});
