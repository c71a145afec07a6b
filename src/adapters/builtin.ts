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

/**
 * What configures a transport's server, for `'auto'` and for hints: an address in its options
 * or an environment variable. A prefix or a timeout alone configures nothing.
 */
export interface ServerConfig<Options> {
  /** Options fields holding an address (`url`, `connectionString`, a client), in order. */
  readonly fields: readonly (Options extends object ? keyof Options & string : string)[];
  /** Environment variables holding an address (`REDIS_URL`), the usual one first. */
  readonly variables: readonly string[];
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
   * What configures a server for it. `'auto'` uses a configured server alone (auto.ts), and
   * hints name these fields and variables. Absent: never configured (no server).
   */
  readonly configuredBy?: ServerConfig<Options>;
  readonly channels: ChannelRules;
  /** True when it serves consumer groups (the bus names such transports when it refuses one). */
  readonly groups?: boolean;
  /** True when it stores durable topics (the bus names such transports when it refuses one). */
  readonly durable?: boolean;
}
