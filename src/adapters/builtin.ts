/**
 * What a built-in transport tells the table (`table.ts`): how to create it lazily, where its
 * options live, what configures its server for `'auto'`, and its channel rules. Each adapter
 * writes its own entry next to its code; an entry loads no driver (ioredis, pg) until `create`.
 */
import type { Transport } from './transport.js';

/** The environment `'auto'` and `HERALD_TRANSPORT` read. */
export type Env = Readonly<Record<string, string | undefined>>;

/** How a transport names channels on its server. Normative: docs/transports/<name>.md. */
export interface ChannelRules {
  /**
   * The transport prefix of one tenant (docs/security.md#tenant-isolation), for a valid tenant
   * id and a valid base (`tenantPrefix` checks both). Absent: the transport has no prefix option.
   */
  readonly tenantPrefix?: (tenantId: string, base: string) => string;
  /** The longest server channel name, in bytes; longer names are derived to fit. Absent: none. */
  readonly maxChannelBytes?: number;
}

/** One built-in transport: its table entry. */
export interface BuiltinTransport<Name extends string, Key extends string, Options> {
  /** What `createBus({ transport })` and `HERALD_TRANSPORT` call it. */
  readonly name: Name;
  /** Where its options live in `transportOptions` (`ChainOptions`). */
  readonly optionsKey: Key;
  /** Creates it, importing its driver only now. */
  create(options: Options | undefined): Promise<Transport>;
  /**
   * Creates it without the fallback chain when it is the only candidate (a transport with no
   * server to wait for). Absent: a lone candidate still runs in the chain, with its timeout.
   */
  alone?(options: Options | undefined): Transport;
  /**
   * Where the user configured a server for it (an options field or an environment variable),
   * or undefined. `'auto'` uses a configured server alone. Absent: never configured (no server).
   */
  configuredBy?(options: Options | undefined, env: Env): string | undefined;
  readonly channels: ChannelRules;
  /** True when it serves consumer groups (the bus names such transports when it refuses one). */
  readonly groups?: boolean;
}
