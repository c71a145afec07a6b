/**
 * The fallback chain: `transport: 'auto'` or `['redis', 'postgres', 'local']`.
 *
 * At start the chain tries each candidate in order, each within `connectTimeoutMs`, and uses the
 * first that connects. `HERALD_TRANSPORT` forces one. With `failover`, every candidate that can
 * connect stays connected and subscribed (a standby), publishes go to the most preferred one that
 * is connected, and when it dies the chain moves down the list at once and back up once the
 * preferred one has been healthy for `failbackAfterMs` (hysteresis: a flapping server does not
 * cause a switch storm). Every switch is reported as a `failover` event, which the bus turns into
 * a gap; an outage of any member's subscriptions (active or standby) lasts, as a gap, until that
 * member has resubscribed; messages that arrive twice around a switch are dropped by id by the
 * bus's replay window.
 *
 * `'auto'` is honest (issue 15): a server the user configured (`REDIS_URL`, `DATABASE_URL`, an
 * address in `transportOptions`) is the transport, and when it does not answer `start()` fails.
 * A silent fallback to another transport would split an app: processes that fell back hear
 * nothing from the ones that did not. Only with nothing configured does `'auto'` probe the
 * loopback defaults and end on `local`; a chain that starts on any member but its first reports
 * it (`degraded`, written to stderr unless someone listens), and `hasRemoteInterest` follows the
 * active member, so a receipt says `sent: true` only when some receiver could have the message.
 * Adapters are imported lazily, so an app that never uses Redis never loads ioredis.
 *
 * This file resolves a choice to a transport; the chain itself is `chain-transport.ts` (the
 * Transport face) over `chain-failover.ts` (its members, switches and outages).
 */
import { ConfigError } from '../errors.js';
import { autoList, connectHint } from './auto.js';
import { createChain, type Factory } from './chain-transport.js';
import {
  AUTO_ORDER,
  type BuiltinOptions,
  builtin,
  optionsOf,
  type TransportName,
} from './table.js';
import type { Transport } from './transport.js';

export { AUTO_ORDER, TransportName } from './table.js';

/** What `createBus({ transport })` accepts. */
export type TransportChoice =
  | Transport
  | TransportName
  | 'auto'
  | readonly (TransportName | Transport)[];

/**
 * Options of the fallback chain and of the built-in transports it creates, each under its
 * options key (`redis`, `postgres`, `local`; see the table in `table.ts`).
 */
export interface ChainOptions extends BuiltinOptions {
  /**
   * How long each candidate may take to connect at start, in ms.
   * @default 2000
   */
  readonly connectTimeoutMs?: number;
  /**
   * Keep every candidate connected and switch at run time when the active one dies.
   * @default false
   */
  readonly failover?: boolean | { readonly failbackAfterMs?: number; readonly retryMs?: number };
  /**
   * Environment to read `HERALD_TRANSPORT` from, and, for `'auto'`, whether a server is
   * configured (`REDIS_URL`, `REDIS_HOST`, `REDIS_PORT`, `DATABASE_URL`).
   * @default process.env
   */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

function factory(choice: TransportName | Transport, options: ChainOptions): Factory {
  if (typeof choice !== 'string') return { name: choice.name, create: async () => choice };
  const entry = builtin(choice);
  if (entry === undefined) {
    throw new ConfigError(`unknown transport "${String(choice)}"`, {
      transport: String(choice),
      hint: `use one of: auto, ${AUTO_ORDER.join(', ')}, or a Transport object`,
    });
  }
  return { name: entry.name, create: () => entry.create(optionsOf(entry, options)) };
}

/** Resolves a transport choice (and `HERALD_TRANSPORT`) to one transport. */
export function resolveTransport(
  choice: TransportChoice | undefined,
  options: ChainOptions = {},
): Transport {
  const env = options.env ?? process.env;
  const forced = env.HERALD_TRANSPORT?.trim();
  if (choice !== undefined && typeof choice === 'object' && !Array.isArray(choice))
    return choice as Transport;
  let list: readonly (TransportName | Transport)[];
  let configured: string | undefined;
  if (forced) {
    if (!(AUTO_ORDER as readonly string[]).includes(forced)) {
      throw new ConfigError(`HERALD_TRANSPORT="${forced}" is not a transport`, {
        hint: `set it to one of: ${AUTO_ORDER.join(', ')}`,
      });
    }
    list = [forced as TransportName];
  } else if (choice === undefined || choice === 'auto')
    ({ list, configured } = autoList(options, env));
  else if (typeof choice === 'string') list = [choice];
  else list = choice as readonly (TransportName | Transport)[];
  if (list.length === 0)
    throw new ConfigError('the transport list is empty', {
      hint: "use 'auto' or name at least one transport",
    });
  const factories = list.map((c) => factory(c, options));
  const lone = list.length === 1 && typeof list[0] === 'string' ? builtin(list[0]) : undefined;
  if (lone?.alone) return lone.alone(optionsOf(lone, options));
  return createChain(factories, options, connectHint(list, configured));
}
