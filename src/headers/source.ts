import fs from 'node:fs';
import { ConfigError } from '../config/config.js';
import type { Logger } from '../observability/logger.js';
import { watchFile } from '../supergraph/watchFile.js';
import { applyHeaderRules, headersRead, rulesFor, type InboundHeaders } from './apply.js';
import { parseHeaderRules, type HeaderRule, type HeaderRules } from './rules.js';

/** The header rules in force (`HEADER_RULES_PATH`); without a file, nothing is sent. */
export interface HeaderRulesSource {
  /** Runs for each subgraph fetch: the headers the rules send to `subgraph` for this client request. */
  headersFor(
    subgraph: string,
    inbound: InboundHeaders | undefined,
  ): Readonly<Record<string, string>>;
  /** Runs once per response: the client headers the rules read, for `Vary`. */
  headersRead(inbound: InboundHeaders): readonly string[];
  close(): void;
}

const NONE: Readonly<Record<string, string>> = Object.freeze({});

/** Rules that send nothing: the gateway without `HEADER_RULES_PATH`. */
export const noHeaderRules: HeaderRulesSource = {
  headersFor: () => NONE,
  headersRead: () => [],
  close: () => undefined,
};

/**
 * Loads the rules file at start-up (a missing or invalid file throws a {@link ConfigError}, one
 * line per problem) and reloads it on change, like the supergraph: an invalid new file is logged
 * and the last good rules keep running.
 */
export function fileHeaderRules(
  filePath: string,
  forbidden: ReadonlySet<string>,
  log: Logger,
): HeaderRulesSource {
  const read = (): HeaderRules => {
    const parsed = parseHeaderRules(fs.readFileSync(filePath, 'utf8'), forbidden);
    if (!parsed.ok) throw new ConfigError(parsed.problems.map((p) => `HEADER_RULES_PATH ${p}`));
    return parsed.rules;
  };
  let rules: HeaderRules;
  try {
    rules = read();
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    throw new ConfigError([`HEADER_RULES_PATH ${filePath}: ${(error as Error).message}`]);
  }
  // why per subgraph: `all` and the subgraph's rules are joined once per load, not per fetch.
  let bySubgraph = new Map<string, readonly HeaderRule[]>();
  log.info({ path: filePath, subgraphs: rules.subgraphs.size }, 'header rules loaded');
  const stop = watchFile(filePath, log, () => {
    try {
      rules = read();
      bySubgraph = new Map();
      log.info({ path: filePath, subgraphs: rules.subgraphs.size }, 'header rules reloaded');
    } catch (error) {
      const problems = error instanceof ConfigError ? error.problems : [(error as Error).message];
      log.error(
        { path: filePath, problems },
        'header rules reload failed; the last good rules keep running',
      );
    }
  });
  return {
    headersFor(subgraph, inbound) {
      let list = bySubgraph.get(subgraph);
      if (!list) {
        list = rulesFor(rules, subgraph);
        bySubgraph.set(subgraph, list);
      }
      if (!list.length) return NONE;
      return applyHeaderRules(list, inbound ?? {}, forbidden);
    },
    headersRead: (inbound) => headersRead(rules, inbound, forbidden),
    close: stop,
  };
}
