/**
 * Opens the NATS connection from resolved options: servers, credentials (user/password, token,
 * creds file, nkey seed) and TLS passed through; reconnects forever (the bus shows outages as
 * gaps); nats.js resubscribes by itself after a reconnect.
 */
import { readFileSync } from 'node:fs';
import type { NatsConnection, NodeConnectionOptions } from '@nats-io/transport-node';
import { ConfigError } from '../../errors.js';
import { natsjs } from './driver.js';
import type { NatsCredentials, ResolvedNatsOptions } from './options.js';

const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);

function readCreds(path: string): Uint8Array {
  try {
    return readFileSync(path);
  } catch (cause) {
    throw new ConfigError(`nats transport: cannot read the credentials file ${path}`, {
      transport: 'nats',
      cause,
      hint: 'check credentials.credsFile (a file from `nsc generate creds`) and its permissions',
    });
  }
}

/** The nats.js authentication options of `credentials`. */
function authOptions(credentials: NatsCredentials | undefined): Partial<NodeConnectionOptions> {
  if (credentials === undefined) return {};
  const nats = natsjs();
  if ('user' in credentials) return { user: credentials.user, pass: credentials.pass };
  if ('token' in credentials) return { token: credentials.token };
  if ('nkeySeed' in credentials) {
    return { authenticator: nats.nkeyAuthenticator(bytes(credentials.nkeySeed)) };
  }
  const creds =
    'creds' in credentials ? bytes(credentials.creds) : readCreds(credentials.credsFile);
  return { authenticator: nats.credsAuthenticator(creds) };
}

/** Opens one connection; rejects when no server answers within `connectTimeoutMs`. */
export function openConnection(config: ResolvedNatsOptions): Promise<NatsConnection> {
  const options: NodeConnectionOptions = {
    servers: [...config.servers],
    name: config.name,
    timeout: config.connectTimeoutMs,
    reconnect: true,
    maxReconnectAttempts: -1,
    reconnectTimeWait: config.reconnectWaitMs,
    waitOnFirstConnect: false,
    // Half-open connections are found by the transport's own heartbeat (silence.ts).
    pingInterval: 60_000,
    ...authOptions(config.credentials),
  };
  if (config.tls) options.tls = config.tls as NonNullable<NodeConnectionOptions['tls']>;
  return natsjs().connect(options);
}
