/**
 * The transport's publish step: one publish on one channel goes to the link that owns it, or,
 * while that link's publish connection is down, into the bounded offline buffer (`buffer.ts`),
 * behind any publish already held for that link so the order per connection holds; otherwise it
 * rejects with PUBLISH_FAILED. The hot path returns promises without async frames: each one is a
 * promise and a microtask more per message.
 */
import { ErrorCode } from '../../errors.js';
import { fail, type RedisState, serverName, usable, wrap } from './transport-state.js';

const ignore = (): void => {};

/** One reaction for both outcomes: the server's reply is dropped, an error wrapped. */
function send(s: RedisState, name: string, data: string): Promise<void> {
  if (!s.router) {
    return Promise.reject(fail(s, ErrorCode.PublishFailed, `publish on "${name}" after close`));
  }
  let sent: Promise<unknown>;
  try {
    sent = s.router.publish(name, data);
  } catch (error) {
    return Promise.reject(wrap(s, error, `publish on "${name}" failed`));
  }
  return sent.then(ignore, (error: unknown) => {
    throw wrap(s, error, `publish on "${name}" failed`);
  });
}

/** Sends held publishes whose connection is back, oldest first (order per connection holds). */
export function flush(s: RedisState): void {
  const r = s.router;
  if (!r || s.buffer.size === 0) return;
  for (const held of s.buffer.take((name) => r.linkFor(name)?.canPublish === true)) {
    send(s, held.name, held.data).then(held.resolve, held.reject);
  }
}

/** One publish on one Herald channel. */
export function publishOne(s: RedisState, channel: string, data: string): Promise<void> {
  const r = s.router;
  const { buffer } = s;
  if (!r || !usable(s)) {
    return Promise.reject(
      fail(s, ErrorCode.PublishFailed, `publish on "${channel}" while ${s.state}`),
    );
  }
  if (buffer.size > 0) flush(s);
  const name = serverName(s, channel);
  const link = r.linkFor(name);
  if (link?.canPublish && (buffer.size === 0 || !buffer.holds((n) => r.linkFor(n) === link))) {
    return send(s, name, data);
  }
  const held = buffer.hold(name, data);
  if (held) return held;
  const full = buffer.limit > 0 ? `; the offline buffer is full (${buffer.limit})` : '';
  return Promise.reject(
    fail(
      s,
      ErrorCode.PublishFailed,
      `publish on "${channel}" rejected: ${link ? `the connection to ${link.key} is down` : 'no server owns this channel'}${full}`,
    ),
  );
}
