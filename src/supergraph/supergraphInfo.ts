import { createHash } from 'node:crypto';
import { Gauge, type Registry } from 'prom-client';
import type { PreparedSupergraph } from './prepare.js';

/** The id of a supergraph: SHA-256 (hex) of its SDL, as the schema registry names it. */
export function supergraphId(supergraph: PreparedSupergraph): string {
  return createHash('sha256').update(supergraph.sourceSdl).digest('hex');
}

/**
 * `gateway_supergraph_info{id}` = 1 for the supergraph now serving, read at scrape time, so a
 * dashboard sees every replica converge on a publish.
 */
export function registerSupergraphInfo(
  registry: Registry,
  current: () => PreparedSupergraph | undefined,
): void {
  new Gauge({
    name: 'gateway_supergraph_info',
    help: 'The supergraph now serving (id = SHA-256 of its SDL), value 1',
    labelNames: ['id'],
    registers: [registry],
    collect() {
      this.reset();
      const supergraph = current();
      if (supergraph) this.set({ id: supergraphId(supergraph) }, 1);
    },
  });
}
