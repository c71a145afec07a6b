/**
 * What `'auto'` means (issue 15): the server the user configured, alone, or with nothing
 * configured, every built-in transport in order. A silent fallback from a configured server
 * would split an app: processes that fell back hear nothing from the ones that did not. Also the
 * hint of a chain that could not start, which never advises such a split.
 */
import type { ChainOptions, TransportName } from './chain.js';
import type { Transport } from './transport.js';

/** The order `'auto'` tries. */
export const AUTO_ORDER: readonly TransportName[] = ['redis', 'postgres', 'local'];

/**
 * Where the user configured a server for `name`, or undefined: an address in the transport's
 * options, or its environment variable. A prefix or timeout alone configures no server.
 */
export function configuredBy(
  name: 'redis' | 'postgres',
  options: ChainOptions,
  env: Readonly<Record<string, string | undefined>>,
): string | undefined {
  if (name === 'redis') {
    const redis = options.redis ?? {};
    for (const field of ['url', 'host', 'port', 'client', 'cluster'] as const)
      if (redis[field] !== undefined) return `transportOptions.redis.${field}`;
    for (const variable of ['REDIS_URL', 'REDIS_HOST', 'REDIS_PORT'])
      if (env[variable]) return variable;
    return undefined;
  }
  const postgres = options.postgres ?? {};
  for (const field of ['connectionString', 'connection', 'pool'] as const)
    if (postgres[field] !== undefined) return `transportOptions.postgres.${field}`;
  return env.DATABASE_URL ? 'DATABASE_URL' : undefined;
}

/**
 * What `'auto'` tries: the most preferred configured server alone (all configured servers with
 * `failover`, which keeps every member connected), else every built-in transport in order.
 */
export function autoList(
  options: ChainOptions,
  env: Readonly<Record<string, string | undefined>>,
): { list: readonly TransportName[]; configured?: string } {
  const configured = (['redis', 'postgres'] as const)
    .map((name) => ({ name, by: configuredBy(name, options, env) }))
    .filter((c): c is { name: 'redis' | 'postgres'; by: string } => c.by !== undefined);
  const first = configured[0];
  if (first === undefined) return { list: AUTO_ORDER };
  const chosen = options.failover ? configured : [first];
  return { list: chosen.map((c) => c.name), configured: chosen.map((c) => c.by).join(', ') };
}

/** The hint of a chain that could not start: never advice that splits a multi-process app. */
export function connectHint(
  list: readonly (TransportName | Transport)[],
  configured?: string,
): string {
  const servers =
    "start the server, or fix its address (REDIS_URL / DATABASE_URL, or transportOptions.redis / .postgres). Every process of an app must reach the same server: 'local' reaches only buses in this process";
  if (configured === undefined) return servers;
  const names = list.filter((c): c is TransportName => typeof c === 'string').join(', ');
  return `'auto' uses the server you configured (${configured}) and does not fall back from it, because processes that fell back would not hear the ones that did not: start ${names} or fix ${configured}; to allow a fallback anyway, list the transports, e.g. transport: ['redis', 'postgres']`;
}
