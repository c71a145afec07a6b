/**
 * Waiting for Redis to cut a subscriber that fell behind, by bytes rather than by the clock.
 *
 * Redis buffers output for a client only once the kernel's socket buffers between them are full:
 * Redis's send buffer (autotuned up to `tcp_wmem` max) and the client's receive buffer (up to
 * `tcp_rmem` max); it cuts the client once its own buffer passes the hard
 * `client-output-buffer-limit`. How many bytes that takes is bounded; how long it takes depends on
 * how fast the publisher goes on a loaded machine. So the wait fails only when more has queued up
 * for the subscriber than those buffers can hold without a cut, or when nothing queues up any more.
 */
import { readFileSync } from 'node:fs';
import type { Redis } from 'ioredis';
import { sleep } from '../support/ports.js';

const MB = 2 ** 20;

/** `256kb` → 262144, `64mb`, `1gb`, `1000` (Redis's own units: `kb` is 1024, `k` is 1000). */
export function parseRedisBytes(text: string): number {
  const match = /^(\d+)(k|kb|m|mb|g|gb)?$/i.exec(text.trim());
  if (!match) throw new Error(`not a Redis memory size: ${text}`);
  const unit = (match[2] ?? '').toLowerCase();
  const factor =
    { '': 1, k: 1e3, kb: 2 ** 10, m: 1e6, mb: 2 ** 20, g: 1e9, gb: 2 ** 30 }[unit] ?? 1;
  return Number(match[1]) * factor;
}

/** The most the kernel can hold between Redis and one loopback client: rmem max + wmem max. */
export function socketBufferCapacity(): number {
  const max = (name: string): number | undefined => {
    try {
      const value = Number(
        readFileSync(`/proc/sys/net/ipv4/${name}`, 'utf8').trim().split(/\s+/)[2],
      );
      return Number.isFinite(value) && value > 0 ? value : undefined;
    } catch {
      return undefined;
    }
  };
  // Not Linux: a generous bound.
  return (max('tcp_rmem') ?? 32 * MB) + (max('tcp_wmem') ?? 32 * MB);
}

/** What Redis says about its output. */
interface OutputSample {
  /** `total_net_output_bytes`: everything written to sockets so far. */
  readonly written: number;
  /** The largest output buffer (`omem`) of any pub/sub client. */
  readonly omem: number;
  /** Connected pub/sub clients. */
  readonly subscribers: number;
  /** Bytes of the replies to this sample itself. */
  readonly own: number;
}

async function sample(admin: Redis): Promise<OutputSample> {
  const [info, clients] = await Promise.all([
    admin.info('stats'),
    admin.call('CLIENT', 'LIST', 'TYPE', 'pubsub') as Promise<string>,
  ]);
  const written = Number(/total_net_output_bytes:(\d+)/.exec(info)?.[1] ?? Number.NaN);
  if (!Number.isFinite(written)) throw new Error('INFO stats has no total_net_output_bytes');
  const lines = clients.split('\n').filter((line) => line.trim() !== '');
  const omem = Math.max(0, ...lines.map((line) => Number(/ omem=(\d+)/.exec(line)?.[1] ?? 0)));
  // These two replies, as bulk strings, are part of `written` from the next sample on.
  const own = Buffer.byteLength(info) + Buffer.byteLength(clients) + 32;
  return { written, omem, subscribers: lines.length, own };
}

/** How the subscriber's fall behind went, up to the cut. */
export interface CutStats {
  /** From the start of the wait to the cut, in ms. */
  readonly ms: number;
  /** Bytes queued for the subscriber (sent or buffered, less what it handled) at the last look. */
  readonly queuedBytes: number;
  /** Publishes Redis took meanwhile. */
  readonly published: number;
}

/** What {@link waitForCut} watches. */
export interface CutWatch {
  /** A client to the Redis server that is to cut the subscriber (not the subscriber's own). */
  readonly admin: Redis;
  /** Cuts Redis has logged so far. */
  cuts(): number;
  /** Publishes the transport has taken so far. */
  published(): number;
  /** Messages the subscriber has handled so far, as it last reported. */
  consumed(): number;
  /** The hard `client-output-buffer-limit` of the subscriber's class, in bytes. */
  readonly hardLimit: number;
  /** How long the queue may stand still before the wait gives up. @default 30000 */
  readonly idleMs?: number;
}

/**
 * Waits until Redis has logged a cut beyond `before`. Every 100 ms it estimates what is queued for
 * the subscriber: the bytes Redis has written to sockets or holds in output buffers since the start,
 * less the share of them the subscriber has handled. Throws when that passes what the socket buffers
 * plus the hard limit can hold (Redis should have cut it by then), or when it has not grown for
 * `idleMs` (the publisher stopped, or the subscriber is not behind at all).
 */
export async function waitForCut(watch: CutWatch, before: number): Promise<CutStats> {
  const idleMs = watch.idleMs ?? 30_000;
  // `written` also counts the replies to the publisher (`:1\r\n` per publish) and to these samples:
  // both are taken off. 4 MB of room covers anything else (heartbeats, the odd command).
  const bound = socketBufferCapacity() + watch.hardLimit + 4 * MB;
  const started = Date.now();
  const first = await sample(watch.admin);
  const published0 = watch.published();
  const consumed0 = watch.consumed();
  let queued = 0;
  let published = 0;
  let peak = 0;
  let grewAt = started;
  let last = first;
  let ownBytes = 0;
  let sampledAt = started;
  const stats = (): CutStats => ({ ms: Date.now() - started, queuedBytes: queued, published });
  for (;;) {
    // The log is read every 20 ms (the cut's time is reported); Redis is asked every 100 ms.
    if (watch.cuts() > before) return stats();
    if (Date.now() - sampledAt < 100) {
      await sleep(20);
      continue;
    }
    sampledAt = Date.now();
    ownBytes += last.own;
    last = await sample(watch.admin);
    published = watch.published() - published0;
    const consumed = Math.min(published, Math.max(0, watch.consumed() - consumed0));
    const others = ownBytes + 4 * published;
    const sent = Math.max(0, last.written - first.written - others) + last.omem;
    queued = published > 0 ? Math.round(sent * (1 - consumed / published)) : 0;
    if (queued > peak + 64 * 1024) {
      peak = queued;
      grewAt = Date.now();
    }
    if (watch.cuts() > before) return stats();
    const state = `${(queued / MB).toFixed(1)} MB queued for it after ${published} publishes in ${Date.now() - started} ms; largest pub/sub output buffer ${last.omem} bytes; ${last.subscribers} pub/sub clients`;
    if (queued > bound) {
      throw new Error(
        `Redis did not cut the subscriber although more is queued for it than the socket buffers and the hard limit hold (${(bound / MB).toFixed(1)} MB): ${state}`,
      );
    }
    if (Date.now() - grewAt > idleMs) {
      throw new Error(
        `waiting for Redis to cut the subscriber: nothing more queued up for it in ${idleMs} ms (${state})`,
      );
    }
    await sleep(20);
  }
}
