/**
 * A link's subscription steps: the channels and patterns it is responsible for, kept in its
 * state (what a resubscribe restores) and sent to the server on the subscribe connection. A
 * subscribe that fails leaves nothing wanted behind; an unsubscribe forgets first, so a
 * resubscribe in flight does not restore it.
 */
import {
  type LinkState,
  notReady,
  ready,
  serverSubscribe,
  serverUnsubscribe,
  tracked,
} from './link-state.js';

export async function subscribe(s: LinkState, name: string): Promise<void> {
  if (!ready(s.sub)) throw notReady(s, 'subscribe to', name);
  s.names.add(name);
  try {
    await serverSubscribe(s, [name]);
  } catch (error) {
    s.names.delete(name);
    throw error;
  }
}

export async function unsubscribe(s: LinkState, name: string): Promise<void> {
  s.names.delete(name);
  if (ready(s.sub)) await serverUnsubscribe(s, [name]);
}

export async function psubscribe(s: LinkState, pattern: string): Promise<void> {
  if (!ready(s.sub)) throw notReady(s, 'subscribe to', pattern);
  s.patterns.add(pattern);
  try {
    await tracked(s, s.sub.redis.psubscribe(pattern));
  } catch (error) {
    s.patterns.delete(pattern);
    throw error;
  }
}

export async function punsubscribe(s: LinkState, pattern: string): Promise<void> {
  s.patterns.delete(pattern);
  if (ready(s.sub)) await s.sub.redis.punsubscribe(pattern);
}

/** Takes over a channel moved from another link (subscribes now, or on recovery). */
export async function adopt(s: LinkState, name: string): Promise<void> {
  s.names.add(name);
  if (!s.healthy) return;
  await serverSubscribe(s, [name]).catch((error) => s.sub.kill(`adopt failed: ${error}`));
}
