/** The four ports of `npm start`, in `--ports` order. */
export interface StackPorts {
  readonly gateway: number;
  readonly product: number;
  readonly user: number;
  readonly payment: number;
}

export const DEFAULT_STACK_PORTS: StackPorts = {
  gateway: 4000,
  product: 4001,
  user: 4002,
  payment: 4003,
};

/**
 * Where `npm start` puts the stack: `--ports GATEWAY,PRODUCT,USER,PAYMENT` moves all four; else
 * `PORT` moves the gateway alone (as it does for `npm run gateway`); else 4000–4003. Runs once, at
 * start; a bad value is a message for the user, never a stack that half starts.
 */
export function stackPorts(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): { ok: true; ports: StackPorts } | { ok: false; reason: string } {
  const flag = argv.indexOf('--ports');
  let ports: number[];
  if (flag >= 0) {
    ports = (argv[flag + 1] ?? '').split(',').map((p) => (/^\d+$/.test(p) ? Number(p) : NaN));
    if (ports.length !== 4 || ports.some((p) => !valid(p)))
      return { ok: false, reason: '--ports takes four ports: GATEWAY,PRODUCT,USER,PAYMENT' };
  } else {
    const { product, user, payment } = DEFAULT_STACK_PORTS;
    const port = env.PORT;
    const gateway = port === undefined || port === '' ? DEFAULT_STACK_PORTS.gateway : Number(port);
    if (!/^\d*$/.test(port ?? '') || !valid(gateway))
      return { ok: false, reason: `PORT must be a port from 1 to 65535 (got "${port}")` };
    ports = [gateway, product, user, payment];
  }
  if (new Set(ports).size !== 4)
    return { ok: false, reason: `the four ports must differ (got ${ports.join(',')})` };
  const [gateway, product, user, payment] = ports as [number, number, number, number];
  return { ok: true, ports: { gateway, product, user, payment } };
}

const valid = (port: number) => Number.isInteger(port) && port >= 1 && port <= 65535;
