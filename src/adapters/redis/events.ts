/**
 * What the links report, as the transport reports it: messages of subscribed channels and
 * patterns to the sink (under the prefix, which is taken off), a link down as `disconnected`
 * (the transport is `reconnecting` from the first one), and `connected` plus `resubscribed` once
 * every link is back, resubscribed and confirmed; the bus turns that outage into a gap.
 */
import { ConnectionState } from '../transport.js';
import { flush } from './publish.js';
import type { RouterHooks } from './router.js';
import { type RedisState, serverName, setState } from './transport-state.js';

/** Bus channels of direct messages start with this; the node's own one carries the probes. */
const NODE_CHANNEL_PREFIX = '$node:';

/** The hooks the transport gives its router. */
export function routerHooks(s: RedisState): RouterHooks {
  const { config, channels } = s;
  const { patterns, mirrors } = s.templates;
  return {
    message(name, data) {
      if (!name.startsWith(config.prefix)) return;
      const channel = name.slice(config.prefix.length);
      if (!channels.has(channel)) return;
      s.sink?.message(channel, data, mirrors.size === 0 ? undefined : mirrors.get(channel));
    },
    patternMessage(pattern, name, data) {
      const template = patterns.get(pattern);
      if (template === undefined || !name.startsWith(config.prefix)) return;
      s.sink?.message(name.slice(config.prefix.length), data, template);
    },
    down(_link, reason, lastGood) {
      if (s.state !== ConnectionState.Connected && s.state !== ConnectionState.Reconnecting) return;
      if (s.state === ConnectionState.Connected) {
        setState(s, ConnectionState.Reconnecting);
        s.downAt = Date.now();
      }
      s.sink?.event({ type: 'disconnected', reason, since: lastGood });
    },
    up: () => up(s),
    reconnecting(attempt, delayMs) {
      if (s.state === ConnectionState.Reconnecting) {
        s.sink?.event({ type: 'reconnecting', attempt, delayMs });
      }
    },
    publisherReady: () => flush(s),
    probeChannel(link) {
      // The round trip runs on the node's own channel when this link carries it.
      for (const channel of channels) {
        const name = serverName(s, channel);
        if (channel.startsWith(NODE_CHANNEL_PREFIX) && link.names.has(name)) {
          return { name, transient: false };
        }
      }
      const fallback = serverName(s, `$probe:${s.token}`);
      return { name: s.router?.probeName(link) ?? fallback, transient: true };
    },
  };
}

/** A link is back: held publishes go; once all are back, the outage ends. */
function up(s: RedisState): void {
  flush(s);
  if (s.state !== ConnectionState.Reconnecting || !s.router) return;
  if (!s.router.links().every((link) => link.healthy)) return;
  setState(s, ConnectionState.Connected);
  const ms = Date.now() - (s.downAt ?? Date.now());
  s.downAt = undefined;
  s.sink?.event({ type: 'connected' });
  s.sink?.event({
    type: 'resubscribed',
    channels: s.channels.size + s.templates.patterns.size,
    ms,
  });
}
