/**
 * Test harness for hostile-input tests: two buses on an isolated in-process hub, where the
 * receiver's transport hands its sink to the test so it can inject any bytes on any channel, and
 * a forger that signs arbitrary payload text with node:crypto, bypassing Herald's encoder.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { Type } from '@sinclair/typebox';
import {
  type Bus,
  type BusOptions,
  createBus,
  createLocalHub,
  defineTopics,
  event,
  type KeyConfig,
  type Message,
  type Rejection,
  rawTopic,
  type Transport,
  type TransportSink,
  topic,
} from '../../src/index.js';

/** TEST keys. */
export const KEY_1 = { kid: 'k1', secret: `base64url:${'A'.repeat(42)}w` } as const;
export const KEY_2 = { kid: 'k2', secret: `base64url:${'B'.repeat(42)}w` } as const;

/** The raw bytes of a test key's secret. */
export function secretOf(key: { readonly secret: string }): Buffer {
  return Buffer.from(key.secret.slice('base64url:'.length), 'base64url');
}

/** The registry every hostile test uses. */
export const registry = defineTopics({
  room: topic('room:{roomId}', {
    events: { message: event(Type.Object({ text: Type.String() })) },
  }),
  feed: rawTopic('feed:{name}'),
});

/** A transport on `hub` whose sink the test can reach. */
export interface InjectableTransport extends Transport {
  /** Delivers bytes to the bus as if they came from the network. */
  inject(channel: string, data: string | Uint8Array): void;
  /** Every message the hub delivered to this transport (channel, bytes), in order. */
  readonly received: { channel: string; data: string | Uint8Array }[];
}

/** Wraps a hub transport, keeping the bus's sink. */
export function injectableTransport(inner: Transport): InjectableTransport {
  let sink: TransportSink | undefined;
  const received: { channel: string; data: string | Uint8Array }[] = [];
  return {
    name: 'injectable',
    received,
    inject(channel, data) {
      if (!sink) throw new Error('inject before connect');
      sink.message(channel, data);
    },
    connect(busSink) {
      sink = busSink;
      return inner.connect({
        message(channel, data) {
          received.push({ channel, data });
          busSink.message(channel, data);
        },
        event: (e) => busSink.event(e),
      });
    },
    publish: (channel, data) => inner.publish(channel, data),
    subscribe: (channel) => inner.subscribe(channel),
    unsubscribe: (channel) => inner.unsubscribe(channel),
    close: () => inner.close(),
    status: () => inner.status(),
  };
}

type TestBus = Bus<typeof registry.defs>;

/** A sender and a receiver on one hub, with every handler call and rejection recorded. */
export interface Pair {
  readonly sender: TestBus;
  readonly receiver: TestBus;
  readonly transport: InjectableTransport;
  /** Messages that reached a receiver handler. */
  readonly handled: Message[];
  /** `rejected` events of the receiver. */
  readonly rejections: Rejection[];
  /** Waits until queued deliveries (hub flush, handler microtasks) have run. */
  settle(): Promise<void>;
  /** Publishes a valid message and waits until the receiver's handler has it. */
  roundTrip(text: string): Promise<Message>;
  stop(): Promise<void>;
}

/** Options for {@link startPair}. */
export interface PairOptions {
  readonly senderKeys?: KeyConfig;
  readonly receiverKeys?: KeyConfig;
  readonly senderNow?: () => number;
  readonly receiver?: Partial<Pick<BusOptions<typeof registry.defs>, 'limits' | 'freshness'>>;
}

/** Starts two buses; the receiver subscribes to `room:1` and `feed:main`. */
export async function startPair(options: PairOptions = {}): Promise<Pair> {
  const hub = createLocalHub();
  const transport = injectableTransport(hub.transport());
  const keys = { keys: [KEY_1] };
  const sender = createBus({
    registry,
    keys: options.senderKeys ?? keys,
    transport: hub.transport(),
    nodeId: 'sender',
    ...(options.senderNow ? { now: options.senderNow } : {}),
  });
  const receiver = createBus({
    registry,
    keys: options.receiverKeys ?? keys,
    transport,
    nodeId: 'receiver',
    ...options.receiver,
  });
  const handled: Message[] = [];
  const rejections: Rejection[] = [];
  receiver.on('rejected', (r) => rejections.push(r));
  await sender.start();
  await receiver.start();
  await receiver.subscribe('room:1', (m) => {
    handled.push(m);
  });
  await receiver.subscribe('feed:main', (m) => {
    handled.push(m);
  });
  const settle = () => new Promise<void>((resolve) => setImmediate(() => setImmediate(resolve)));
  return {
    sender,
    receiver,
    transport,
    handled,
    rejections,
    settle,
    async roundTrip(text) {
      const before = handled.length;
      await sender.broadcast('room:1', 'message', { text });
      await settle();
      const message = handled[before];
      if (!message || handled.length !== before + 1)
        throw new Error(`valid message "${text}" did not arrive`);
      return message;
    },
    async stop() {
      await sender.stop();
      await receiver.stop();
    },
  };
}

/** Fields of a forged envelope; `data` is raw JSON text, put on the wire verbatim. */
export interface ForgeFields {
  readonly topic?: string;
  readonly event?: string;
  readonly version?: number;
  readonly time?: number;
  readonly seq?: number;
  readonly epoch?: string;
  readonly to?: string;
  readonly dataJson?: string;
}

/** Signing parameters of a forged message. */
export interface ForgeKey {
  readonly kid?: string;
  readonly secret?: Buffer;
  readonly alg?: string;
  readonly nid?: string;
}

/** The payload JSON text of a forged envelope, built by string concatenation. */
export function forgedPayload(fields: ForgeFields = {}): string {
  const to = fields.to === undefined ? '' : `,"to":${JSON.stringify(fields.to)}`;
  return (
    `{"epoch":${JSON.stringify(fields.epoch ?? randomBytes(8).toString('hex'))}` +
    `,"seq":${fields.seq ?? 1},"time":${fields.time ?? Date.now()}` +
    `,"topic":${JSON.stringify(fields.topic ?? 'room:1')},"event":${JSON.stringify(fields.event ?? 'message')}` +
    `,"version":${fields.version ?? 1}${to},"data":${fields.dataJson ?? '{"text":"forged"}'}}`
  );
}

/** Signs payload JSON text as a compact JWS with node:crypto, exactly as the spec says. */
export function signCompact(payloadJson: string, key: ForgeKey = {}): string {
  const header = Buffer.from(
    JSON.stringify({
      alg: key.alg ?? 'HS256',
      kid: key.kid ?? KEY_1.kid,
      typ: 'herald/1',
      nid: key.nid ?? 'forger',
    }),
  ).toString('base64url');
  const payload = Buffer.from(payloadJson, 'utf8').toString('base64url');
  const mac = createHmac('sha256', key.secret ?? secretOf(KEY_1))
    .update(`${header}.${payload}`)
    .digest('base64url');
  return `${header}.${payload}.${mac}`;
}

/** A payload nested `depth` arrays deep. */
export function deepArray(depth: number): string {
  return '['.repeat(depth) + ']'.repeat(depth);
}
