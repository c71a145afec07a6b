/**
 * The transport's subscribe step: a Herald channel is wanted (so a resubscribe restores it) and
 * subscribed on the link that owns its Redis channel; a subscribe that fails leaves nothing
 * wanted behind.
 */
import { ErrorCode } from '../../errors.js';
import { fail, type RedisState, serverName, usable, wrap } from './transport-state.js';

export async function subscribeChannel(s: RedisState, channel: string): Promise<void> {
  const r = s.router;
  if (!r || !usable(s)) {
    throw fail(s, ErrorCode.PublishFailed, `subscribe to "${channel}" while ${s.state}`);
  }
  s.channels.add(channel);
  try {
    await r.subscribe(serverName(s, channel));
  } catch (error) {
    s.channels.delete(channel);
    throw wrap(s, error, `subscribe to "${channel}" failed`);
  }
}

export async function unsubscribeChannel(s: RedisState, channel: string): Promise<void> {
  s.channels.delete(channel);
  try {
    await s.router?.unsubscribe(serverName(s, channel));
  } catch (error) {
    throw wrap(s, error, `unsubscribe from "${channel}" failed`);
  }
}
