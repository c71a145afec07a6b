/**
 * A link's publish step: one (S)PUBLISH per message on the publish connection, or, with
 * `pipeline: true`, the publishes of one tick written as one pipeline (one socket write, each
 * still its own command with its own reply). The hot path: no async frames, each one would be a
 * promise and a microtask more per message.
 *
 * Without `pipeline`, the first publish of a tick is written at once, exactly as alone; when more
 * follow in the same tick (publishes on many channels, e.g. the topics of a template, which the
 * bus cannot micro-batch together), the socket is corked for the rest of the tick and they leave
 * in one `writev` when it ends. A socket write is the largest single cost of a publish on a
 * profile of 1,000 channels round-robin (~14% of the process, `writeUtf8String`); each command
 * keeps its own reply and outcome, in order, so nothing else changes.
 */
import { type LinkState, notReady, ready } from './link-state.js';

/** Ends the tick: uncorks the socket the rest of the tick wrote to (even if since replaced). */
function endTick(s: LinkState): void {
  const corked = s.corked;
  s.written = false;
  s.corked = undefined;
  corked?.uncork();
}

/**
 * Below this size, the second and later writes of a tick cork the socket. A larger message (a
 * micro-batch of many envelopes) already spreads one system call over many messages, and corked
 * strings are copied once more into one buffer for the `writev`: it goes out at once, unless the
 * socket is corked already (then it joins, so the order holds).
 */
const SMALL = 4096;

/** Counts a write in this tick; from the second small one on, the socket is corked until its end. */
function coalesce(s: LinkState, bytes: number): void {
  if (!s.written) {
    s.written = true;
    queueMicrotask(() => endTick(s));
  } else if (s.corked === undefined && bytes <= SMALL) {
    const stream = s.pub.redis.stream;
    if (stream === undefined) return;
    stream.cork();
    s.corked = stream;
  }
}

/**
 * Sends one (S)PUBLISH now; resolves (with the server's reply, which callers ignore) once the
 * server took it. ioredis's own promise, not one more chained to it: the transport's publish step
 * maps it once (publish.ts), so a reply costs one promise reaction less on the way to the bus.
 */
function sendOne(s: LinkState, name: string, data: string): Promise<unknown> {
  return s.sharded ? s.pub.redis.spublish(name, data) : s.pub.redis.publish(name, data);
}

/** Resolves once the server took the message (with a value callers ignore). */
export function publishRaw(s: LinkState, name: string, data: string): Promise<unknown> {
  if (!ready(s.pub)) return Promise.reject(notReady(s, 'publish', name));
  if (!s.config.pipeline) {
    coalesce(s, data.length);
    return sendOne(s, name, data);
  }
  return new Promise<void>((resolve, reject) => {
    if (s.tick === undefined) {
      s.tick = [];
      queueMicrotask(() => flushTick(s));
    }
    s.tick.push({ name, data, resolve, reject });
  });
}

/**
 * Writes the publishes of one tick as one pipeline: one socket write for all of them, each
 * still its own (S)PUBLISH with its own reply, in the order they were made.
 */
function flushTick(s: LinkState): void {
  const held = s.tick!;
  s.tick = undefined;
  if (!ready(s.pub)) {
    for (const h of held) h.reject(notReady(s, 'publish', h.name));
    return;
  }
  if (held.length === 1) {
    const h = held[0]!;
    sendOne(s, h.name, h.data).then(h.resolve, h.reject);
    return;
  }
  const pipeline = s.pub.redis.pipeline();
  for (const h of held) {
    if (s.sharded) pipeline.spublish(h.name, h.data);
    else pipeline.publish(h.name, h.data);
  }
  pipeline.exec().then(
    (results) => {
      for (let i = 0; i < held.length; i++) {
        // No reply is no proof the server took it: only an error-free reply resolves.
        const reply = results?.[i];
        if (reply === undefined) held[i]!.reject(new Error('the pipeline returned no reply'));
        else if (reply[0]) held[i]!.reject(reply[0]);
        else held[i]!.resolve();
      }
    },
    (error: unknown) => {
      for (const h of held) h.reject(error);
    },
  );
}
