/**
 * Test harness for hostile-input tests: two buses on an isolated in-process hub, where the
 * receiver's transport hands its sink to the test so it can inject any bytes on any channel, and
 * a forger that signs arbitrary payload text with node:crypto, bypassing Herald's encoder.
 */
import { createHmac, type KeyObject, randomBytes, sign } from 'node:crypto';
import { Type } from '@sinclair/typebox';
import { expect } from 'vitest';
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
  type RejectReason,
  rawTopic,
  type Transport,
  type TransportSink,
  topic,
} from '../../src/index.js';

/** TEST keys (published: never use them for anything else). */
export const KEY_1 = {
  kid: 'k1',
  secret: 'base64url:8PQ9N3xCEpOtQ3PyNTAb3xgaAOKnb-rrwAWYpr7VcXQ',
} as const;
export const KEY_2 = {
  kid: 'k2',
  secret: 'base64url:r4hx0w_mE7YKQpY-vDgdJ2ZTwIuNf8jq3YCGPfNyPlE',
} as const;

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
  metrics: topic('metrics:{component}', {
    events: { sample: event(Type.Object({ value: Type.Number() })) },
  }),
  audit: topic('audit', {
    events: { recorded: event(Type.Object({ action: Type.String() })) },
  }),
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
  readonly receiver?: Partial<
    Pick<BusOptions<typeof registry.defs>, 'limits' | 'freshness' | 'now' | 'instrumentation'>
  >;
  /** Extra topics the receiver subscribes to (besides `room:1` and `feed:main`). */
  readonly topics?: readonly string[];
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
  for (const t of options.topics ?? []) {
    await receiver.subscribe(t as 'audit', (m) => {
      handled.push(m);
    });
  }
  const settle = settleIo;
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

/** Waits until queued deliveries (hub flush, handler microtasks) have run. */
export const settleIo = (): Promise<void> =>
  new Promise<void>((resolve) => setImmediate(() => setImmediate(resolve)));

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

/** Signs payload JSON text as a compact EdDSA JWS with node:crypto, as RFC 8037 says. */
export function signCompactEd(
  payloadJson: string,
  key: {
    readonly kid: string;
    readonly privateKey: KeyObject;
    readonly nid?: string;
    readonly alg?: string;
  },
): string {
  const header = Buffer.from(
    JSON.stringify({
      alg: key.alg ?? 'EdDSA',
      kid: key.kid,
      typ: 'herald/1',
      nid: key.nid ?? 'forger',
    }),
  ).toString('base64url');
  const payload = Buffer.from(payloadJson, 'utf8').toString('base64url');
  const signature = sign(null, Buffer.from(`${header}.${payload}`), key.privateKey);
  return `${header}.${payload}.${signature.toString('base64url')}`;
}

/** A payload nested `depth` arrays deep. */
export function deepArray(depth: number): string {
  return '['.repeat(depth) + ']'.repeat(depth);
}

/** The longest a single hostile input may stall the receiver, in ms. */
export const MAX_MS = 50;

/**
 * Injects `data` and checks every property a rejection must have: refused, counted under
 * `reason`, reported as a `rejected` event, never handled, no throw, no prototype pollution, and
 * under {@link MAX_MS}. A rejected input leaves the receiver's state as it was, so when the first
 * injection took longer than the bound it is injected once more and timed again: a pause of the
 * machine (GC, another process) is not the input's doing, a slow input is slow twice. Returns the
 * time taken.
 */
export async function expectRejected(
  pair: Pair,
  channel: string,
  data: string | Uint8Array,
  reason: RejectReason,
): Promise<number> {
  const before = pair.receiver.stats();
  const handled = pair.handled.length;
  const events = pair.rejections.length;
  const timed = (): number => {
    const started = performance.now();
    expect(() => pair.transport.inject(channel, data)).not.toThrow();
    return performance.now() - started;
  };
  let ms = timed();
  let injections = 1;
  if (ms >= MAX_MS) {
    await pair.settle();
    ms = timed();
    injections = 2;
  }
  await pair.settle();
  const after = pair.receiver.stats();
  expect(after.rejected[reason]).toBe(before.rejected[reason] + injections);
  expect(after.rejectedTotal).toBe(before.rejectedTotal + injections);
  expect(after.received).toBe(before.received);
  expect(pair.handled.length).toBe(handled);
  expect(pair.rejections.length).toBe(events + injections);
  expect(pair.rejections.at(-1)).toMatchObject({ reason, channel });
  expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  expect(Object.prototype).not.toHaveProperty('polluted');
  expect(ms).toBeLessThan(MAX_MS);
  return ms;
}
