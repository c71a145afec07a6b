/**
 * The state of one link (`link.ts`), in one object that each step of the link takes: publishing
 * (`link-publish.ts`), resubscribing and confirming after a reconnect (`link-recover.ts`), and the
 * server (S)SUBSCRIBE commands below. The link's own object is the only owner; the steps read and
 * write its fields and nothing else.
 */
import { ErrorCode, TransportError } from '../../errors.js';
import type { Connection } from './connection.js';
import type { Link, LinkHooks } from './link.js';
import type { ResolvedRedisOptions } from './options.js';

/** A publish waiting for the end of its tick. */
export interface Held {
  readonly name: string;
  readonly data: string;
  resolve(): void;
  reject(error: unknown): void;
}

/** Everything one link knows. */
export interface LinkState {
  readonly config: ResolvedRedisOptions;
  readonly key: string;
  /** SPUBLISH/SSUBSCRIBE instead of PUBLISH/SUBSCRIBE. */
  readonly sharded: boolean;
  readonly pub: Connection;
  readonly sub: Connection;
  readonly hooks: LinkHooks;
  /** Redis channels and patterns this link is responsible for. */
  readonly names: Set<string>;
  readonly patterns: Set<string>;
  /** Rejects of the (S)SUBSCRIBEs in flight, failed together when the connection goes. */
  readonly pendingSubscribes: Set<(error: Error) => void>;
  /** Messages starting with this are this transport's probes, never delivered. */
  readonly probePrefix: string;
  started: boolean;
  closing: boolean;
  healthy: boolean;
  /** Bumped whenever a resubscribe in flight must give up (a connection lost, the link closed). */
  generation: number;
  probes: number;
  expectedProbe: string | undefined;
  probeArrived: (() => void) | undefined;
  /** Publishes of the current tick, written together when it ends (config.pipeline). */
  tick: Held[] | undefined;
  /** Without `pipeline`: a publish was written in this tick (the first goes out at once). */
  written: boolean;
  /** The publish socket, corked for the rest of this tick once a second publish came. */
  corked: { uncork(): void } | undefined;
  /** The link itself, as the hooks report it (set once, right after the state). */
  link: Link;
}

export const ready = (c: Connection): boolean => c.redis.status === 'ready';

/** A MOVED reply: the cluster's slot map changed. */
export const isMoved = (error: unknown): boolean =>
  error instanceof Error && /^(MOVED|ASK) /.test(error.message);

/** The error of a publish or (un)subscribe while its connection is not ready. */
export function notReady(s: LinkState, what: string, name: string): TransportError {
  const conn = what === 'publish' ? s.pub : s.sub;
  return new TransportError(
    ErrorCode.PublishFailed,
    `redis transport: cannot ${what} "${name}": the ${what === 'publish' ? 'publish' : 'subscribe'} connection to ${s.key} is ${conn.redis.status}`,
    { transport: 'redis', hint: 'the transport reconnects by itself; retry after it is back' },
  );
}

/** Settles a (S)SUBSCRIBE also when ioredis swallows a MOVED reply (it emits 'moved'). */
export function tracked<T>(s: LinkState, command: Promise<T>): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    s.pendingSubscribes.add(reject);
    command.then(resolve, reject).finally(() => s.pendingSubscribes.delete(reject));
  });
}

export function failPending(s: LinkState, error: Error): void {
  for (const reject of s.pendingSubscribes) reject(error);
  s.pendingSubscribes.clear();
}

export async function serverSubscribe(s: LinkState, list: readonly string[]): Promise<void> {
  if (list.length === 0) return;
  if (s.sharded) await Promise.all(list.map((n) => tracked(s, s.sub.redis.ssubscribe(n))));
  else await tracked(s, s.sub.redis.subscribe(...list));
}

export async function serverUnsubscribe(s: LinkState, list: readonly string[]): Promise<void> {
  if (list.length === 0) return;
  if (s.sharded) await Promise.all(list.map((n) => s.sub.redis.sunsubscribe(n)));
  else await s.sub.redis.unsubscribe(...list);
}
