/**
 * A durable consumer on JetStream: created on first use (explicit acks, from the oldest stored
 * message, filtered to one concrete topic's subject), updated when its settings change, and
 * resumed from its last acknowledged message after that, by any process that names it. Members
 * of a group pull from the same consumer, so the server hands each message to one of them.
 * Each pulled message goes to the bus with its stored time, log position and delivery count.
 *
 * Handled ids outlive the process (durable-handled.ts): `done` records the id before the ack,
 * the ids recorded past the acknowledged floor are loaded before the first pull, and read again
 * before a message that may have been handled elsewhere is handed over: a redelivery (delivery
 * count above 1) whose id this consumer does not know, or the first message after the store's
 * connection came back (a restarted server may have forgotten acknowledgements and delivery
 * counts).
 */
import type { JetStreamClient, JetStreamManager, JsMsg } from '@nats-io/jetstream';
import { ConfigError } from '../../errors.js';
import type { DurableConsumer, DurableConsumerSpec, DurableDelivery } from '../durable.js';
import {
  ensureHandledStream,
  type HandledPlace,
  type HandledRecorder,
  handledRecorder,
  loadHandled,
} from './durable-handled.js';
import { consumerName, handledStream, jetstreamjs, nanos, streamName } from './jetstream.js';

/** What a consumer needs of its store. */
export interface ConsumerHost {
  readonly js: JetStreamClient;
  readonly jsm: JetStreamManager;
  readonly prefix: string;
  readonly subjectFor: (channel: string) => string;
  /** A round trip on the store's connection. */
  readonly flush: () => Promise<void>;
  /** How many times the store's connection came back after a loss. */
  readonly reconnects: () => number;
  /** A JetStream publish, resolved on its PubAck. */
  readonly publish: (subject: string, text: string) => Promise<void>;
}

const text = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/** Creates (or updates) the server-side consumer of `spec`; returns its stream and name. */
async function ensureConsumer(host: ConsumerHost, spec: DurableConsumerSpec) {
  const lib = jetstreamjs();
  const stream = streamName(host.prefix, spec.template);
  const name = consumerName(spec);
  const settings = {
    ack_wait: nanos(spec.ackWaitMs),
    max_ack_pending: spec.maxInFlight,
    // The bus gives up on a failing handler itself (a dead letter); a process that dies while
    // holding a message must not make the server drop it silently.
    max_deliver: -1,
    description: `herald ${spec.kind} "${spec.name}" on "${spec.channel}"`,
  };
  try {
    await host.jsm.consumers.add(stream, {
      ...settings,
      durable_name: name,
      ack_policy: lib.AckPolicy.Explicit,
      deliver_policy: lib.DeliverPolicy.All,
      filter_subject: host.subjectFor(spec.channel),
    });
  } catch (added) {
    try {
      await host.jsm.consumers.update(stream, name, settings);
    } catch (error) {
      throw new ConfigError(
        `nats transport: the consumer "${name}" of "${spec.channel}" cannot be created: ${text(error)} (create: ${text(added)})`,
        {
          topic: spec.channel,
          transport: 'nats',
          cause: error,
          hint: 'start the bus before subscribing durably, so that the stream of the durable topic exists',
        },
      );
    }
  }
  return { stream, name };
}

/** One pulled message as a delivery. */
function deliveryOf(channel: string, m: JsMsg, recorder: HandledRecorder): DurableDelivery {
  return {
    channel,
    data: m.data,
    storedAt: Math.floor(m.info.timestampNanos / 1_000_000),
    position: m.seq,
    deliveries: m.info.deliveryCount,
    done: (id) => recorder.add(m.seq, id, () => m.ack()),
    ack: () => m.ack(),
    nak: (delayMs) => m.nak(delayMs),
    term: (reason) => m.term(reason),
  };
}

/** Keeps the `limit` newest ids of `handled`. */
function trim(handled: Map<string, number>, limit: number): void {
  for (const id of handled.keys()) {
    if (handled.size <= limit) return;
    handled.delete(id);
  }
}

/** The record stream, created or updated, and its ids past the acknowledged floor. */
async function openRecord(place: HandledPlace, spec: DurableConsumerSpec) {
  const handled = new Map<string, number>();
  try {
    await ensureHandledStream(place);
    await loadHandled(place, handled);
  } catch (error) {
    throw new ConfigError(
      `nats transport: the handled-id record "${place.name}" of the consumer "${place.consumer}" cannot be created or read: ${text(error)}`,
      {
        topic: spec.channel,
        transport: 'nats',
        cause: error,
        hint: `durable subscriptions record handled ids on "${place.subject}": allow publishing there and creating the stream "${place.name}"`,
      },
    );
  }
  trim(handled, spec.remember);
  return handled;
}

/**
 * The ids other processes recorded as handled; the recorder of this one's; and `check(m)`, which
 * reads the record again (awaited before `m` is handed over) when `m` may have been handled by
 * another process or before a server restart. This process's own handled ids are the bus's
 * memory.
 */
async function handledMemory(host: ConsumerHost, spec: DurableConsumerSpec, stream: string) {
  const consumer = consumerName(spec);
  const place: HandledPlace = { ...host, stream, consumer, ...handledStream(host.prefix, spec) };
  const handled = await openRecord(place, spec);
  const recorder = handledRecorder(place);
  let seen = host.reconnects();
  const reload = async (): Promise<void> => {
    seen = host.reconnects();
    await loadHandled(place, handled).catch(() => undefined);
    trim(handled, spec.remember);
  };
  const check = (m: JsMsg): Promise<void> | undefined => {
    const reconnected = host.reconnects() !== seen;
    if (!reconnected && m.info.deliveryCount === 1) return undefined;
    const id = m.headers?.get('Nats-Msg-Id');
    if (!reconnected && id && handled.has(id)) return undefined;
    return reload();
  };
  return { handled, recorder, check };
}

/** Starts pulling `spec`'s consumer; each message goes to `deliver` in log order. */
export async function consumeDurable(
  host: ConsumerHost,
  spec: DurableConsumerSpec,
  deliver: (delivery: DurableDelivery) => void,
): Promise<DurableConsumer> {
  const { stream, name } = await ensureConsumer(host, spec);
  const { handled, recorder, check } = await handledMemory(host, spec, stream);
  const consumer = await host.js.consumers.get(stream, name);
  // Pull requests expire after 5 s (heartbeats every 2.5 s): a restarted server is noticed and
  // pulled from again within seconds, not after nats.js's default 30 s.
  const messages = await consumer.consume({ max_messages: spec.maxInFlight, expires: 5_000 });
  let stopped = false;
  const loop = (async () => {
    for await (const m of messages) {
      const checking = stopped ? undefined : check(m);
      if (checking !== undefined) await checking;
      // Pulled after stop: handed back at once, for another member or the next process.
      if (stopped) m.nak();
      else deliver(deliveryOf(spec.channel, m, recorder));
    }
  })().catch(() => undefined);
  return {
    handled,
    async stop() {
      stopped = true;
      // Closing unsubscribes the pull inbox; the round trip makes sure the server knows before
      // anything else is published, so it sends nothing more to a consumer that is gone.
      await messages.close().catch(() => undefined);
      await host.flush().catch(() => undefined);
      await loop;
    },
    drain: () => recorder.drain(),
  };
}
