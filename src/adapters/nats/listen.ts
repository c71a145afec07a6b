/**
 * The server subscriptions of the NATS transport: a channel's subject (plain, or a consumer
 * group's queue subscription) and a template's wildcard subject. Each hands what arrives to the
 * bus's sink: a channel's and a group's as such, a template's with the concrete channel of the
 * subject it arrived on (docs/transports/nats.md, "Template subscriptions").
 */
import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import type { TransportSink } from '../transport.js';
import { channelOf } from './subjects.js';

/** The key of a channel's server subscription: plain and group ones are separate. */
export const subKey = (channel: string, group: string | undefined): string =>
  group === undefined ? channel : `${group}\0${channel}`;

/** The key of a template's server subscription (`\u0001` starts no channel nor group). */
export const templateKey = (template: string): string => `\u0001${template}`;

/** What a subscription reports to its transport: the sink, and that the server spoke. */
export interface Listener {
  readonly sink: () => TransportSink | undefined;
  readonly heard: () => void;
}

/** Subscribes `subject` for `channel`; with `group`, as a NATS queue group (one member each). */
export function listenChannel(
  conn: NatsConnection,
  subject: string,
  channel: string,
  group: string | undefined,
  on: Listener,
): Subscription {
  if (group === undefined) {
    return conn.subscribe(subject, {
      callback: (_error, msg) => {
        on.heard();
        on.sink()?.message(channel, msg.data);
      },
    });
  }
  return conn.subscribe(subject, {
    queue: group,
    callback: (_error, msg) => {
      on.heard();
      on.sink()?.groupMessage?.(channel, group, msg.data);
    },
  });
}

/**
 * Subscribes a template's wildcard subject: each message goes to the sink with the concrete
 * channel of its subject and the template. A subject that maps to no channel (not one of
 * Herald's, e.g. a hashed one) is refused as malformed.
 */
export function listenTemplate(
  conn: NatsConnection,
  prefix: string,
  subject: string,
  template: string,
  on: Listener,
): Subscription {
  return conn.subscribe(subject, {
    callback: (_error, msg) => {
      on.heard();
      const channel = channelOf(prefix, msg.subject);
      if (channel === undefined) {
        on.sink()?.refused?.(msg.subject, `"${msg.subject}" maps to no channel of "${template}"`);
        return;
      }
      on.sink()?.message(channel, msg.data, template);
    },
  });
}
