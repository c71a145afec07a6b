/**
 * Durable topics on JetStream (docs/transports/nats.md "Durable topics"): `Transport.durable` of
 * the NATS transport. `declare` creates or updates one stream per durable topic template (file
 * storage, limits retention by age, bytes and messages, the server's duplicate window); `append`
 * is a JetStream publish with `Nats-Msg-Id` set to the Herald message id whose PubAck is awaited,
 * so a publish resolves only once the server stored it and a lost one rejects; `consume` is in
 * durable-consumer.ts. Names are in jetstream.ts.
 *
 * The store keeps its own connection (same servers, credentials and TLS; opened on first use,
 * reconnecting forever, closed with the transport): pulls and acknowledgements never queue
 * behind live traffic, and the live connection's code stays as it is.
 */
import type { JetStreamClient, JetStreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { ConfigError, ErrorCode, TransportError } from '../../errors.js';
import type { DurableStore, DurableTopicSpec } from '../durable.js';
import type { Transport } from '../transport.js';
import { openConnection } from './connection.js';
import { consumeDurable } from './durable-consumer.js';
import { jetstreamjs, nanos, streamName, streamSubject } from './jetstream.js';
import { type PubAckPublisher, pubAckPublisher } from './jetstream-publish.js';
import type { ResolvedNatsOptions } from './options.js';
import { subjectOf } from './subjects.js';

/** The JetStream store, and how to close its connection. */
export interface NatsDurableStore extends DurableStore {
  close(): Promise<void>;
}

interface Clients {
  readonly nc: NatsConnection;
  /** How many times the connection came back after a loss. */
  readonly reconnects: () => number;
  readonly js: JetStreamClient;
  readonly jsm: JetStreamManager;
  /** Publishes awaiting their PubAck, many in flight (jetstream-publish.ts). */
  readonly pub: PubAckPublisher;
}

/** How long a publish waits for its PubAck (nats.js's JetStream default). */
const PUBACK_TIMEOUT_MS = 5_000;

const text = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/** Creates or updates the stream of one durable topic template. */
async function declareOne(jsm: JetStreamManager, prefix: string, spec: DurableTopicSpec) {
  const lib = jetstreamjs();
  const name = streamName(prefix, spec.template);
  const config = {
    subjects: [streamSubject(prefix, spec.template)],
    max_age: nanos(spec.maxAgeMs),
    max_bytes: spec.maxBytes,
    max_msgs: spec.maxMessages ?? -1,
    duplicate_window: nanos(spec.duplicateWindowMs),
  };
  const fixed = {
    storage: lib.StorageType.File,
    retention: lib.RetentionPolicy.Limits,
    discard: lib.DiscardPolicy.Old,
  };
  try {
    await jsm.streams.add({ name, ...config, ...fixed });
  } catch (added) {
    // An existing stream: its retention follows the registry (an update is idempotent).
    try {
      await jsm.streams.update(name, config);
    } catch (error) {
      throw new ConfigError(
        `nats transport: the stream "${name}" of the durable topic "${spec.template}" cannot be created or updated: ${text(error)} (create: ${text(added)})`,
        {
          topic: spec.template,
          transport: 'nats',
          cause: error,
          hint: 'check that JetStream is enabled (nats-server -js) and that no other stream captures its subject',
        },
      );
    }
  }
}

/** Creates the JetStream store of one NATS transport. */
export function jetstreamStore(config: ResolvedNatsOptions): NatsDurableStore {
  let opening: Promise<Clients> | undefined;
  /** The clients once open: a publish then makes no promise to find them. */
  let open: Clients | undefined;
  const subjectFor = (channel: string): string => subjectOf(config.prefix, channel);
  const fail = (what: string, cause?: unknown): TransportError =>
    new TransportError(ErrorCode.PublishFailed, `nats transport (${config.display}): ${what}`, {
      transport: 'nats',
      cause,
      hint: 'durable topics need JetStream: start nats-server with -js, and check its limits',
    });
  const clients = (): Promise<Clients> => {
    opening ??= (async () => {
      const lib = jetstreamjs();
      const nc = await openConnection({ ...config, name: `${config.name}-jetstream` });
      let reconnects = 0;
      void (async () => {
        for await (const s of nc.status()) if (s.type === 'reconnect') reconnects++;
      })().catch(() => undefined);
      const jsm = await lib.jetstreamManager(nc);
      const pub = pubAckPublisher(nc, PUBACK_TIMEOUT_MS);
      open = { nc, reconnects: () => reconnects, js: lib.jetstream(nc), jsm, pub };
      return open;
    })();
    opening.catch(() => void (opening = undefined));
    return opening;
  };
  return {
    async declare(topics) {
      if (topics.length === 0) return;
      const { jsm } = await clients();
      for (const spec of topics) await declareOne(jsm, config.prefix, spec);
    },
    async append(channel, _template, data, id) {
      try {
        const { pub } = open ?? (await clients());
        await pub.publish(subjectFor(channel), data, id);
      } catch (error) {
        throw fail(`the server did not store the publish on "${channel}": ${text(error)}`, error);
      }
    },
    async consume(spec, deliver) {
      const { nc, js, jsm, reconnects, pub } = await clients();
      const flush = () => nc.flush();
      const publish = (subject: string, text: string) => pub.publish(subject, text);
      const host = { js, jsm, prefix: config.prefix, subjectFor, flush, reconnects, publish };
      return consumeDurable(host, spec, deliver);
    },
    async close() {
      const was = opening;
      opening = undefined;
      open = undefined;
      const c = await was?.catch(() => undefined);
      c?.pub.close();
      await c?.nc.close().catch(() => undefined);
    },
  };
}

/** Gives a NATS transport its durable store, closed with it (index.ts). */
export function withJetStream(transport: Transport, config: ResolvedNatsOptions): Transport {
  const store = jetstreamStore(config);
  const close = transport.close.bind(transport);
  Object.defineProperty(transport, 'durable', { value: store, enumerable: true });
  Object.defineProperty(transport, 'close', {
    value: async () => {
      await store.close();
      await close();
    },
  });
  return transport;
}
