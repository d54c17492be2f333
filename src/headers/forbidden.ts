/**
 * Request headers no header rule may send to a subgraph, whatever the rules file says. Naming one
 * in a rule stops start-up; a `matching` rule skips them.
 */

/** Credentials of the client: the gateway never forwards them (subgraphs get an internal token). */
const CREDENTIALS = ['authorization', 'cookie', 'proxy-authorization'];

/** Hop-by-hop and framing headers (RFC 9110 §7.6.1): they describe one connection, not the request. */
const HOP_BY_HOP = [
  'connection',
  'keep-alive',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'content-length',
  'host',
  'proxy-connection',
  'proxy-authenticate',
  'expect',
  'http2-settings',
];

/**
 * Headers the gateway sets on every subgraph request itself (the internal token travels in
 * `authorization`): a rule must not replace them. `accept-encoding` and `content-encoding` would
 * make the subgraph answer in an encoding the subgraph client does not decode.
 */
const GATEWAY_OWN = [
  'content-type',
  'accept',
  'accept-encoding',
  'content-encoding',
  'x-request-id',
  'traceparent',
  'tracestate',
];

/** The forbidden names (lower case), with the API-key header of this gateway (`RATE_LIMIT_API_KEY_HEADER`). */
export function forbiddenHeaders(apiKeyHeader: string): ReadonlySet<string> {
  return new Set([...CREDENTIALS, ...HOP_BY_HOP, ...GATEWAY_OWN, apiKeyHeader.toLowerCase()]);
}
