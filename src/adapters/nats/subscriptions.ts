/**
 * The server subscriptions of the NATS transport as the bus asks for them: a channel (plain or a
 * consumer group's queue subscription) and a template's wildcard subject. Each resolves after a
 * round trip (`flush`), so the server has the change when it resolves; nats.js resubscribes all
 * of them after a reconnect (health.ts confirms that).
 */
import type { NatsConnection } from '@nats-io/transport-node';
import { ErrorCode } from '../../errors.js';
import { ConnectionState } from '../transport.js';
import * as listen from './listen.js';
import { fail, type NatsState, subjectFor, wrap } from './state.js';
import { templatePattern } from './subjects.js';

/** What the subscriptions of `s` report to it: its sink, and that the server spoke. */
export function listenerOf(s: NatsState): listen.Listener {
  return { sink: () => s.sink, heard: () => void (s.heard = Date.now()) };
}

/** The live connection for a server subscription; refused while closed or connecting. */
function live(s: NatsState, what: string): NatsConnection {
  const conn = s.nc;
  const up = s.state === ConnectionState.Connected || s.state === ConnectionState.Reconnecting;
  if (!conn || !up) throw fail(s, ErrorCode.PublishFailed, `${what} while ${s.state}`);
  return conn;
}

/** One round trip: the server has processed what was sent before it. */
async function confirm(s: NatsState, what: string): Promise<void> {
  try {
    await s.nc?.flush();
  } catch (error) {
    throw wrap(s, error, what);
  }
}

/** `transport.subscribe`: one server subscription per channel (and per group). */
export async function subscribe(
  s: NatsState,
  on: listen.Listener,
  channel: string,
  group: string | undefined,
): Promise<void> {
  const key = listen.subKey(channel, group);
  if (s.subs.has(key)) return;
  const conn = live(s, `subscribe to "${channel}"`);
  s.subs.set(key, listen.listenChannel(conn, subjectFor(s, channel), channel, group, on));
  await confirm(s, `subscribe to "${channel}" failed`);
}

/** `transport.unsubscribe`: a group member leaves by draining, a plain one unsubscribes. */
export async function unsubscribe(
  s: NatsState,
  channel: string,
  group: string | undefined,
): Promise<void> {
  const key = listen.subKey(channel, group);
  const sub = s.subs.get(key);
  if (group !== undefined && sub && s.state === ConnectionState.Connected) {
    // A group member leaves by draining: what the server already sent it is still handed
    // to the bus (which keeps the subscription until this resolves), so nothing is lost.
    try {
      await sub.drain();
    } catch (error) {
      throw wrap(s, error, `leaving group "${group}" on "${channel}" failed`);
    } finally {
      s.subs.delete(key);
    }
    return;
  }
  s.subs.delete(key);
  sub?.unsubscribe();
  await confirm(s, `unsubscribe from "${channel}" failed`);
}

/** `transport.subscribeTemplate`: one wildcard subscription (subjects.ts `templatePattern`). */
export async function subscribeTemplate(
  s: NatsState,
  on: listen.Listener,
  template: string,
): Promise<void> {
  const key = listen.templateKey(template);
  if (s.subs.has(key)) return;
  const subject = templatePattern(s.config.prefix, template);
  if (subject === undefined) {
    throw fail(s, ErrorCode.PublishFailed, `the template "${template}" exceeds a NATS subject`);
  }
  const conn = live(s, `subscribe to "${template}"`);
  s.subs.set(key, listen.listenTemplate(conn, s.config.prefix, subject, template, on));
  await confirm(s, `subscribe to "${template}" failed`);
}

/** `transport.unsubscribeTemplate`. */
export async function unsubscribeTemplate(s: NatsState, template: string): Promise<void> {
  const key = listen.templateKey(template);
  s.subs.get(key)?.unsubscribe();
  s.subs.delete(key);
  await confirm(s, `unsubscribe from "${template}" failed`);
}
