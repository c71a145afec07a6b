/**
 * Options of the NATS transport, and how they resolve: explicit options first, then the
 * environment (`NATS_URL`, a comma-separated list of servers), then `nats://127.0.0.1:4222`.
 * Invalid values throw a ConfigError when the transport is created, not at connect time.
 */
import { ConfigError } from '../../errors.js';
import { checkPrefix } from './subjects.js';

/**
 * Credentials, one kind at a time: user and password, a token, or a NATS credentials file
 * (JWT and nkey seed, `nsc generate creds`) given as its contents or its path.
 * @example { user: 'app', pass: process.env.NATS_PASSWORD }
 * @example { credsFile: '/etc/nats/app.creds' }
 */
export type NatsCredentials =
  | { readonly user: string; readonly pass: string }
  | { readonly token: string }
  | { readonly creds: string }
  | { readonly credsFile: string }
  /** An nkey seed (`SU...`): the server knows the user by its public key. */
  | { readonly nkeySeed: string };

/**
 * TLS options passed through to nats.js (`tls`: ca / cert / key, as file paths or PEM text,
 * `handshakeFirst`, `rejectUnauthorized`). A plain object, so Herald's types need no nats.js.
 * @example { caFile: '/etc/nats/ca.pem' }
 */
export type NatsTlsOptions = Readonly<Record<string, unknown>>;

/** Options of {@link natsTransport}. */
export interface NatsTransportOptions {
  /**
   * One server, `nats://[user:password@]host[:port]` (`tls://` for TLS). Credentials in the URL
   * are used when `credentials` is not given.
   * @default process.env.NATS_URL ?? 'nats://127.0.0.1:4222'
   */
  readonly url?: string;
  /** Several servers of one cluster; the client picks one and fails over to the others. */
  readonly servers?: readonly string[];
  /** Credentials (user/password, token, creds file, nkey seed). */
  readonly credentials?: NatsCredentials;
  /** TLS, passed through to nats.js. */
  readonly tls?: NatsTlsOptions;
  /**
   * First token(s) of every subject: apps sharing one NATS account use different prefixes and
   * never see each other's messages.
   * @default 'herald'
   */
  readonly prefix?: string;
  /** `connect()` rejects with CONNECT_FAILED when not connected within this time. @default 2000 */
  readonly connectTimeoutMs?: number;
  /** Interval of the round-trip heartbeat (a PING the server answers). @default 1000 */
  readonly heartbeatMs?: number;
  /** Nothing heard for this long marks the connection dead and reconnects it. @default 3000 */
  readonly heartbeatTimeoutMs?: number;
  /** Wait between reconnect attempts to one server. @default 250 */
  readonly reconnectWaitMs?: number;
  /** Connection name shown by the server's monitoring. @default 'herald' */
  readonly name?: string;
}

/** Options after defaults and the environment are applied. */
export interface ResolvedNatsOptions {
  readonly servers: readonly string[];
  /** Where it connects, for status and errors; never contains a password. */
  readonly display: string;
  readonly credentials: NatsCredentials | undefined;
  readonly tls: NatsTlsOptions | undefined;
  readonly prefix: string;
  readonly connectTimeoutMs: number;
  readonly heartbeatMs: number;
  readonly heartbeatTimeoutMs: number;
  readonly reconnectWaitMs: number;
  readonly name: string;
}

const positive = (name: string, value: number | undefined, fallback: number): number => {
  const v = value ?? fallback;
  if (!Number.isInteger(v) || v < 1) {
    throw new ConfigError(`nats transport: ${name} must be an integer >= 1, got ${String(v)}`, {
      transport: 'nats',
      hint: `pass ${name}: ${fallback} or leave it out`,
    });
  }
  return v;
};

/** A server URL checked, and how it is shown (without a password or token). */
function checkServer(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url.includes('://') ? url : `nats://${url}`);
  } catch (cause) {
    throw new ConfigError(`nats transport: the server URL cannot be parsed`, {
      transport: 'nats',
      cause,
      hint: 'use nats://[user:password@]host[:port] (or tls://, ws://)',
    });
  }
  if (!['nats:', 'tls:', 'ws:', 'wss:'].includes(parsed.protocol)) {
    throw new ConfigError(`nats transport: URL scheme "${parsed.protocol}" is not nats:`, {
      transport: 'nats',
      hint: 'use nats:// or tls://',
    });
  }
  const user = parsed.username ? `${decodeURIComponent(parsed.username)}@` : '';
  return `${parsed.protocol}//${user}${parsed.host}`;
}

function checkCredentials(credentials: NatsCredentials | undefined): NatsCredentials | undefined {
  if (credentials === undefined) return undefined;
  const keys = Object.keys(credentials).sort().join(',');
  const known = ['pass,user', 'token', 'creds', 'credsFile', 'nkeySeed'];
  const values = Object.values(credentials) as unknown[];
  if (!known.includes(keys) || values.some((v) => typeof v !== 'string' || v === '')) {
    throw new ConfigError(`nats transport: credentials have the fields {${keys}}`, {
      transport: 'nats',
      hint: 'pass one kind: { user, pass }, { token }, { creds }, { credsFile } or { nkeySeed }, each a non-empty string',
    });
  }
  return credentials;
}

/** Applies defaults and the environment; throws ConfigError on invalid values. */
export function resolveOptions(
  options: NatsTransportOptions,
  env: NodeJS.ProcessEnv = process.env,
): ResolvedNatsOptions {
  const fromEnv = env.NATS_URL?.split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  const servers = options.servers
    ? [...options.servers]
    : options.url !== undefined
      ? [options.url]
      : fromEnv && fromEnv.length > 0
        ? fromEnv
        : ['nats://127.0.0.1:4222'];
  if (servers.length === 0) {
    throw new ConfigError('nats transport: servers is empty', {
      transport: 'nats',
      hint: 'pass at least one server, e.g. servers: ["nats://127.0.0.1:4222"]',
    });
  }
  const display = servers.map(checkServer).join(',');
  const prefix = options.prefix ?? 'herald';
  checkPrefix(prefix);
  const heartbeatMs = positive('heartbeatMs', options.heartbeatMs, 1000);
  return {
    servers,
    display,
    credentials: checkCredentials(options.credentials),
    tls: options.tls,
    prefix,
    connectTimeoutMs: positive('connectTimeoutMs', options.connectTimeoutMs, 2000),
    heartbeatMs,
    heartbeatTimeoutMs: positive('heartbeatTimeoutMs', options.heartbeatTimeoutMs, 3000),
    reconnectWaitMs: positive('reconnectWaitMs', options.reconnectWaitMs, 250),
    name: options.name ?? 'herald',
  };
}
