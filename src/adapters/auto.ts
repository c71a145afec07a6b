/**
 * What `'auto'` means (issue 15): the server the user configured, alone, or with nothing
 * configured, every built-in transport in order. A silent fallback from a configured server
 * would split an app: processes that fell back hear nothing from the ones that did not. Also the
 * hint of a chain that could not start, which never advises such a split.
 */
import type { Env } from './builtin.js';
import type { ChainOptions } from './chain.js';
import {
  type AnyBuiltin,
  AUTO_ORDER,
  BUILTIN_TRANSPORTS,
  optionsOf,
  SERVER_VARIABLES,
  type TransportName,
} from './table.js';
import type { Transport } from './transport.js';

export { AUTO_ORDER } from './table.js';

/**
 * What `'auto'` tries: the most preferred configured server alone (all configured servers with
 * `failover`, which keeps every member connected), else every built-in transport in order.
 * Where a server is configured is each table entry's `configuredBy`.
 */
export function autoList(
  options: ChainOptions,
  env: Env,
): { list: readonly TransportName[]; configured?: string } {
  const configured: { name: TransportName; by: string }[] = [];
  for (const entry of BUILTIN_TRANSPORTS) {
    const by = configuredBy(entry, optionsOf(entry, options), env);
    if (by !== undefined) configured.push({ name: entry.name, by });
  }
  const first = configured[0];
  if (first === undefined) return { list: AUTO_ORDER };
  const chosen = options.failover ? configured : [first];
  return { list: chosen.map((c) => c.name), configured: chosen.map((c) => c.by).join(', ') };
}

/** The options field or environment variable that configures the entry's server, if any. */
function configuredBy(entry: AnyBuiltin, options: unknown, env: Env): string | undefined {
  const config = entry.configuredBy;
  if (config === undefined) return undefined;
  const fields = (options ?? {}) as Readonly<Record<string, unknown>>;
  const field = config.fields.find((f) => fields[f] !== undefined);
  if (field !== undefined) return `transportOptions.${entry.optionsKey}.${field}`;
  return config.variables.find((v) => env[v]);
}

/**
 * Where servers are configured, from the table: the usual variable of each transport with a
 * server, then their options keys — `REDIS_URL / DATABASE_URL, or transportOptions.redis / .postgres`.
 */
function whereConfigured(): string {
  const servers = BUILTIN_TRANSPORTS.filter((e) => e.configuredBy !== undefined);
  const keys = servers.map((e) => e.optionsKey).join(' / .');
  return `${SERVER_VARIABLES}, or transportOptions.${keys}`;
}

/** The hint of a chain that could not start: never advice that splits a multi-process app. */
export function connectHint(
  list: readonly (TransportName | Transport)[],
  configured?: string,
): string {
  const servers = `start the server, or fix its address (${whereConfigured()}). Every process of an app must reach the same server: 'local' reaches only buses in this process`;
  if (configured === undefined) return servers;
  const names = list.filter((c): c is TransportName => typeof c === 'string').join(', ');
  return `'auto' uses the server you configured (${configured}) and does not fall back from it, because processes that fell back would not hear the ones that did not: start ${names} or fix ${configured}; to allow a fallback anyway, list the transports, e.g. transport: ['redis', 'postgres']`;
}
