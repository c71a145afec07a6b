/**
 * A link's reconnect steps: when a connection closes, the link reports itself down (messages may
 * be lost since the subscriber's last answered PING); when both are ready again, it subscribes
 * every wanted channel and pattern again and confirms with a round trip (a probe published on
 * the publish connection must come back on the subscribe connection) before it reports `up`.
 * A resubscribe that is not confirmed starts over on a fresh subscribe connection.
 */
import type { Connection, Role } from './connection.js';
import { publishRaw } from './link-publish.js';
import {
  failPending,
  isMoved,
  type LinkState,
  ready,
  serverSubscribe,
  serverUnsubscribe,
  tracked,
} from './link-state.js';

/** Publishes a probe and waits for it on the subscribe connection. */
async function confirm(s: LinkState): Promise<void> {
  const probe = s.hooks.probeChannel(s.link);
  if (probe.transient) await serverSubscribe(s, [probe.name]);
  const token = `${s.probePrefix}${++s.probes}`;
  let timer: NodeJS.Timeout | undefined;
  const arrived = new Promise<void>((resolve, reject) => {
    s.expectedProbe = token;
    s.probeArrived = resolve;
    timer = setTimeout(
      () => reject(new Error(`probe did not come back within ${s.config.heartbeatTimeoutMs} ms`)),
      s.config.heartbeatTimeoutMs,
    );
  });
  try {
    await Promise.all([publishRaw(s, probe.name, token), arrived]);
  } finally {
    clearTimeout(timer);
    s.expectedProbe = undefined;
    s.probeArrived = undefined;
    if (probe.transient && ready(s.sub)) {
      await serverUnsubscribe(s, [probe.name]).catch(() => {});
    }
  }
}

/** Resubscribes everything wanted, confirms it, and reports the link up. */
async function recover(s: LinkState): Promise<void> {
  if (!s.started || s.closing || s.healthy || !ready(s.pub) || !ready(s.sub)) return;
  const gen = ++s.generation;
  try {
    await s.hooks.beforeResubscribe(s.link);
    if (gen !== s.generation) return;
    const wanted = [...s.names];
    const wantedPatterns = [...s.patterns];
    await serverSubscribe(s, wanted);
    if (wantedPatterns.length > 0) await tracked(s, s.sub.redis.psubscribe(...wantedPatterns));
    // Unsubscribed while the resubscribe was in flight: do not leave it on the server.
    await serverUnsubscribe(
      s,
      wanted.filter((n) => !s.names.has(n)),
    );
    const gone = wantedPatterns.filter((p) => !s.patterns.has(p));
    if (gone.length > 0) await s.sub.redis.punsubscribe(...gone);
    await confirm(s);
    if (gen !== s.generation || s.closing || !ready(s.pub) || !ready(s.sub)) return;
    s.healthy = true;
    s.hooks.up(s.link);
  } catch (error) {
    if (gen !== s.generation || s.closing) return;
    if (isMoved(error)) s.hooks.moved(s.link);
    // Start over on a fresh subscribe connection (ioredis reconnects it with back-off).
    if (ready(s.pub) && ready(s.sub)) {
      s.sub.kill(`resubscribe not confirmed: ${error instanceof Error ? error.message : error}`);
    }
  }
}

function lost(s: LinkState, conn: Connection): void {
  const reason = `${conn.role} connection to ${s.key} lost: ${conn.takeReason()}`;
  if (!s.started || s.closing) return;
  s.generation++;
  failPending(s, new Error(reason));
  if (s.healthy) {
    s.healthy = false;
    // Messages published after the subscriber's last answered PING may be lost.
    s.hooks.down(s.link, reason, Math.min(s.sub.lastGood, Date.now()));
  }
}

/** Follows one connection: down when it closes, a resubscribe when it is ready again. */
function watch(s: LinkState, conn: Connection, role: Role): void {
  let attempts = 0;
  conn.redis.on('close', () => lost(s, conn));
  conn.redis.on('reconnecting', (delayMs: number) => {
    if (s.started && !s.closing) s.hooks.reconnecting(++attempts, delayMs);
  });
  conn.redis.on('ready', () => {
    attempts = 0;
    if (!s.started || s.closing) return;
    if (role === 'publisher') s.hooks.publisherReady(s.link);
    void recover(s);
  });
}

/** True when `data` starts with the bytes of `prefix` (ASCII). */
const startsWith = (data: Buffer, prefix: Buffer): boolean =>
  data.length >= prefix.length && data.compare(prefix, 0, prefix.length, 0, prefix.length) === 0;

const EMPTY = Buffer.alloc(0);

/**
 * Wires the link to its connections' events: state changes, messages, MOVED replies. Messages
 * are taken as the bytes the server sent (`messageBuffer`), never as ioredis's text of them: that
 * text replaces bytes that are not UTF-8 with U+FFFD, and the bus must refuse them as `malformed`
 * rather than check a signature over a repaired text (docs/wire-format.md §3, §7 step 2).
 */
export function listen(s: LinkState): void {
  watch(s, s.pub, 'publisher');
  watch(s, s.sub, 'subscriber');
  const probe = Buffer.from(s.probePrefix, 'latin1');
  // ioredis passes no buffer for a missing payload (its text event says ""): an empty message.
  s.sub.redis.on(s.sharded ? 'smessageBuffer' : 'messageBuffer', (name: Buffer, sent?: Buffer) => {
    const data = sent ?? EMPTY;
    if (startsWith(data, probe)) {
      if (data.toString('latin1') === s.expectedProbe) s.probeArrived?.();
      return;
    }
    s.hooks.message(name.toString(), data);
  });
  s.sub.redis.on('pmessageBuffer', (pattern: string, name: Buffer, sent?: Buffer) => {
    const data = sent ?? EMPTY;
    if (!startsWith(data, probe)) s.hooks.patternMessage(pattern, name.toString(), data);
  });
  s.sub.redis.on('moved', () => {
    failPending(s, Object.assign(new Error(`MOVED reply from ${s.key}`), { moved: true }));
    s.hooks.moved(s.link);
  });
}
