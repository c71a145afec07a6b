/**
 * The handled-id record of durable consumers (docs/transports/nats.md "Once per handler"), on the
 * machine's NATS: its normative name, subject and retention; ids recorded by another process are
 * loaded at subscribe and re-read before a redelivery, so their handler does not run again; and
 * the PubAck publisher (jetstream-publish.ts) rejects a refused or unanswered publish.
 */
import { createHash } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { consumerName, handledStream, streamName } from '../../src/adapters/nats/jetstream.js';
import { pubAckPublisher } from '../../src/adapters/nats/jetstream-publish.js';
import { requireNats } from '../support/nats-server.js';
import {
  busFactory,
  deleteStreams,
  newPrefix,
  rawJetStream,
  readHandledRecord,
  until,
} from './nats-durable.helpers.js';

const nats = await requireNats();
const prefixes: string[] = [];
const prefix = (): string => {
  const p = newPrefix();
  prefixes.push(p);
  return p;
};
const url = nats.ok ? nats.url : '';
const raw = nats.ok ? await rawJetStream(url) : undefined!;
const f = busFactory(url);

afterAll(async () => {
  if (!nats.ok) return;
  await f.stopAll();
  await deleteStreams(raw.jsm, prefixes);
  await raw.nc.close();
});

describe.skipIf(!nats.ok)('the handled-id record of a durable consumer', () => {
  it('is named as docs/transports/nats.md defines it, with the topic stream retention', async () => {
    const spec = { kind: 'durable', name: 'bill.ing', channel: 'orders:eu' } as const;
    const hash = createHash('sha256')
      .update('my.app\0durable\0bill.ing\0orders:eu', 'utf8')
      .digest('hex')
      .slice(0, 16);
    expect(handledStream('my.app', spec).name).toBe(`my-app_handled_d-bill_ing-${hash}`);
    expect(handledStream('my.app', spec).subject).toMatch(
      /^\$HERALD\.handled\.my\.app\.d-bill_ing-[0-9a-f]{16}$/,
    );
    const p = prefix();
    const sub = await f.bus('sub', p);
    const pub = await f.bus('pub', p);
    await sub.subscribe('orders:eu', () => undefined, { durable: 'rec' });
    await pub.broadcast('orders:eu', 'placed', { n: 1 });
    const name = handledStream(p, { kind: 'durable', name: 'rec', channel: 'orders:eu' }).name;
    const topic = (await raw.jsm.streams.info(streamName(p, 'orders:{region}'))).config;
    const info = (await raw.jsm.streams.info(name)).config;
    expect(info.max_age).toBe(topic.max_age);
    expect(info.max_bytes).toBe(topic.max_bytes);
    await until(() => sub.stats().delivered === 1, 'the delivery');
    await sub.stop();
    const record = await readHandledRecord(url, p, 'orders:eu', 'rec');
    expect(record.map((e) => e.position)).toEqual([1]);
  });

  it('skips, at subscribe, a message another process recorded as handled', async () => {
    const p = prefix();
    const pub = await f.bus('pub', p);
    const first = await pub.broadcast('orders:eu', 'placed', { n: 1 });
    await pub.broadcast('orders:eu', 'placed', { n: 2 });
    // Another process handled message 1 (stream sequence 1) and died before its ack left.
    const sub = await f.bus('sub', p);
    const spec = { kind: 'durable', name: 'skip', channel: 'orders:eu' } as const;
    const seen: number[] = [];
    // Creating the consumer creates the record stream; write the record before it pulls.
    await raw.jsm.streams.add({
      name: handledStream(p, spec).name,
      subjects: [handledStream(p, spec).subject],
    });
    await raw.js.publish(handledStream(p, spec).subject, `1 ${first.id}\n`);
    await sub.subscribe('orders:eu', (m) => void seen.push(m.payload.n), { durable: 'skip' });
    await until(() => seen.length >= 1, 'message 2');
    await new Promise((r) => setTimeout(r, 200));
    expect(seen).toEqual([2]);
  });

  it('re-reads the record before a redelivery whose id it does not know', async () => {
    const p = prefix();
    const pub = await f.bus('pub', p);
    const sub = await f.bus('sub', p);
    const spec = { kind: 'durable', name: 'again', channel: 'orders:eu' } as const;
    let calls = 0;
    let recorded: Promise<unknown> | undefined;
    await sub.subscribe(
      'orders:eu',
      (m) => {
        calls++;
        // Meanwhile another member handles it and records it; this delivery fails.
        recorded = raw.js.publish(handledStream(p, spec).subject, `1 ${m.meta.id}\n`);
        throw new Error('this member fails');
      },
      { durable: 'again', redelivery: { backoffMs: [300] } },
    );
    await pub.broadcast('orders:eu', 'placed', { n: 1 });
    await until(() => recorded !== undefined, 'the first delivery');
    await recorded;
    const stream = streamName(p, 'orders:{region}');
    const consumer = consumerName(spec);
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline) {
      const info = await raw.jsm.consumers.info(stream, consumer);
      if (info.ack_floor.stream_seq === 1) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    expect((await raw.jsm.consumers.info(stream, consumer)).ack_floor.stream_seq).toBe(1);
    expect(calls).toBe(1);
  });
});

describe.skipIf(!nats.ok)('the PubAck publisher', () => {
  it('rejects a refused publish and one nobody answers in time', async () => {
    const p = prefix();
    const publisher = pubAckPublisher(raw.nc, 300);
    // A responder that answers with a JetStream error.
    const refuse = raw.nc.subscribe(`${p}.refuse`, {
      callback: (_e, m) => {
        m.respond(JSON.stringify({ error: { code: 400, description: 'nope' } }));
      },
    });
    // A subscriber that never answers: no 503, so only the deadline ends the wait.
    const silent = raw.nc.subscribe(`${p}.silent`);
    await raw.nc.flush();
    await expect(publisher.publish(`${p}.refuse`, 'x', 'id-1')).rejects.toThrow('nope');
    await expect(publisher.publish(`${p}.silent`, 'x')).rejects.toThrow(/no PubAck within 300 ms/);
    await expect(publisher.publish(`${p}.nobody`, 'x')).rejects.toThrow(/no stream/);
    refuse.unsubscribe();
    silent.unsubscribe();
    publisher.close();
  });
});
