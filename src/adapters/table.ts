/**
 * The built-in transports, by name: each one's lazy factory, options key, what configures its
 * server for `'auto'`, and its channel rules (tenant prefixes, length limits). The fallback chain
 * and `'auto'` read this table and know no transport by name. Adding a built-in transport is its
 * folder (with its entry), one line here, one conformance test file and one docs page.
 */
import type { BuiltinTransport } from './builtin.js';
import { localBuiltin } from './local.js';
import { natsBuiltin } from './nats/builtin.js';
import { postgresBuiltin } from './postgres/builtin.js';
import { redisBuiltin } from './redis/builtin.js';

/** The table: every built-in transport, in the order `'auto'` tries them. */
const TABLE = [redisBuiltin, postgresBuiltin, natsBuiltin, localBuiltin] as const;

type Entry = (typeof TABLE)[number];
/** Any table entry, its options type erased: it is handed only its own key (`optionsOf`). */
export type AnyBuiltin = BuiltinTransport<TransportName, string, unknown>;

/** Built-in transports by name, each under its capitalised name: `TransportName.Redis`. */
export const TransportName = Object.freeze(
  Object.fromEntries(TABLE.map((e) => [capitalise(e.name), e.name])),
) as { readonly [E in Entry as Capitalize<E['name']>]: E['name'] };
/** The name of a built-in transport. */
export type TransportName = Entry['name'];

function capitalise<S extends string>(name: S): Capitalize<S> {
  return `${name.charAt(0).toUpperCase()}${name.slice(1)}` as Capitalize<S>;
}

/** Built-in transports with a prefix option, so a tenant prefix (`tenantPrefix`). */
export type PrefixedTransport = Extract<
  Entry,
  { readonly channels: { readonly tenantPrefix: unknown } }
>['name'];

/** The options of every built-in transport, each under its options key. */
export type BuiltinOptions = {
  readonly [E in Entry as E['optionsKey']]?: E extends BuiltinTransport<string, string, infer O>
    ? O
    : never;
};

/** Every built-in transport, in the order `'auto'` tries them. */
export const BUILTIN_TRANSPORTS: readonly AnyBuiltin[] = TABLE;

/** The built-in transports that serve consumer groups (`subscribe(topic, h, { group })`). */
export const GROUP_TRANSPORTS: readonly TransportName[] = BUILTIN_TRANSPORTS.filter(
  (e) => e.groups === true,
).map((e) => e.name);

/** The built-in transports that store durable topics (`durable` in the registry). */
export const DURABLE_TRANSPORTS: readonly TransportName[] = BUILTIN_TRANSPORTS.filter(
  (e) => e.durable === true,
).map((e) => e.name);

/** The order `'auto'` tries. */
export const AUTO_ORDER: readonly TransportName[] = BUILTIN_TRANSPORTS.map((e) => e.name);

/**
 * The usual environment variable of every built-in transport with a server, for hints:
 * `REDIS_URL / DATABASE_URL` (each entry's first `configuredBy.variables`).
 */
export const SERVER_VARIABLES: string = BUILTIN_TRANSPORTS.flatMap(
  (e) => e.configuredBy?.variables.slice(0, 1) ?? [],
).join(' / ');

/** The entry of a built-in transport, or undefined for any other string. */
export function builtin(name: string): AnyBuiltin | undefined {
  return BUILTIN_TRANSPORTS.find((e) => e.name === name);
}

/** The options an entry reads: its own key of `transportOptions`. */
export function optionsOf(entry: AnyBuiltin, options: BuiltinOptions): unknown {
  return (options as Readonly<Record<string, unknown>>)[entry.optionsKey];
}
