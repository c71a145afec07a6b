/**
 * Loud by default (issue 15): with no listener and no logger, what goes wrong is written to
 * stderr, each line naming topic, event, reason and fix, rate-limited per reason; `log: false`
 * silences it, `log` redirects it, a listener or `attachLogger` takes it off.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Type } from '@sinclair/typebox';
import { afterEach, describe, expect, it } from 'vitest';
import {
  attachLogger,
  type Bus,
  ConnectionState,
  createBus,
  createLocalHub,
  defineTopics,
  event,
  type LoggerLike,
  type Transport,
  type TransportSink,
  topic,
} from '../../src/index.js';

const run = promisify(execFile);
const child = join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'loud-child.ts');
const registry = defineTopics({
  order: topic('order:{orderId}', {
    events: { created: event(Type.Object({ customerId: Type.String() })) },
  }),
});
type Defs = typeof registry.defs;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const key = () => ({ keys: [{ kid: 'orders-1', secret: randomBytes(32) }] });

const buses: Bus<Defs>[] = [];
afterEach(async () => {
  await Promise.all(buses.splice(0).map((b) => b.stop()));
});

/** A consumer whose report goes to `lines`, and a publisher signing with another secret. */
async function pair(log: Parameters<typeof createBus>[0]['log']) {
  const hub = createLocalHub();
  const consumer = createBus({
    registry,
    keys: key(),
    nodeId: 'consumer',
    transport: hub.transport(),
    ...(log === undefined ? {} : { log }),
  });
  const impostor = createBus({
    registry,
    keys: key(),
    nodeId: 'publisher',
    transport: hub.transport(),
    log: false,
  });
  buses.push(consumer, impostor);
  await Promise.all([consumer.start(), impostor.start()]);
  await consumer.subscribe('order:ORD-1', ({ payload }) => {
    if (payload.customerId === 'boom') throw new Error('customer not found');
  });
  const forge = async (n: number) => {
    for (let i = 0; i < n; i++)
      await impostor.broadcast('order:ORD-1', 'created', { customerId: 'c1' });
    await sleep(30);
  };
  return { consumer, forge };
}

describe('a bus with nobody listening', () => {
  it('writes a rejection and a handler error to stderr, each naming topic, event, reason and fix, once', async () => {
    const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', child], {
      encoding: 'utf8',
    });
    expect(JSON.parse(stdout)).toEqual({ rejected: 25, handlerErrors: 1 });
    const lines = stderr.trim().split('\n');
    const rejected = lines.filter((l) => l.startsWith('herald: rejected a message'));
    expect(rejected).toHaveLength(1);
    expect(rejected[0]).toContain('"order:ORD-1"');
    expect(rejected[0]).toContain('bad_signature');
    expect(rejected[0]).toContain('Fix: every node must hold the same secret');
    const failed = lines.filter((l) => l.startsWith('herald: handler of'));
    expect(failed).toHaveLength(1);
    expect(failed[0]).toContain('on "order:ORD-1" failed on "created": Error: customer not found');
    expect(failed[0]).toContain('Fix: fix the handler or catch inside it');
    // The 24 suppressed rejections are summarised when the bus stops, with their count.
    expect(lines.filter((l) => l.includes('24 more like this'))).toHaveLength(1);
    expect(lines.filter((l) => l.includes('createBus({ log: false }) silences'))).toHaveLength(1);
    expect(lines).toHaveLength(4);
  }, 60_000);

  it('writes nothing at all with log: false', async () => {
    const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', child, 'silent'], {
      encoding: 'utf8',
    });
    expect(JSON.parse(stdout)).toEqual({ rejected: 25, handlerErrors: 1 });
    expect(stderr).toBe('');
  }, 60_000);

  it('writes the first line at once, then at most one summary per reason per interval', async () => {
    const lines: string[] = [];
    const { forge } = await pair({ to: (line) => lines.push(line), intervalMs: 400 });
    const startedAt = Date.now();
    await forge(30);
    const reports = () => lines.filter((l) => !l.includes('silences'));
    expect(reports()).toHaveLength(1);
    expect(reports()[0]).toMatch(/^herald: rejected a message on "order:ORD-1" \(bad_signature/);
    await sleep(Math.max(0, startedAt + 400 - Date.now()) + 150);
    expect(reports()).toHaveLength(2);
    expect(reports()[1]).toMatch(
      /^herald: 29 more like this in 0\.\d s; the last: herald: rejected/,
    );
    // A second burst inside the next interval: one more summary, not 10 lines.
    await forge(10);
    expect(reports()).toHaveLength(2);
    await sleep(600);
    expect(reports()).toHaveLength(3);
    expect(reports()[2]).toContain('10 more like this');
  });

  it('reports each reason on its own: a handler error is not suppressed by rejections', async () => {
    const lines: string[] = [];
    const { consumer, forge } = await pair((line) => lines.push(line));
    await forge(5);
    await consumer.broadcast('order:ORD-1', 'created', { customerId: 'boom' });
    await sleep(30);
    expect(lines.filter((l) => l.includes('(bad_signature'))).toHaveLength(1);
    expect(lines.filter((l) => l.includes('failed on "created"'))).toHaveLength(1);
  });

  it('writes to a stream given as log', async () => {
    const chunks: string[] = [];
    const { forge } = await pair({ write: (text: string) => chunks.push(text) });
    await forge(1);
    expect(chunks[0]).toMatch(/^herald: rejected a message on "order:ORD-1" \(bad_signature.*\n$/);
  });

  it('leaves a kind to its listener: bus.on("rejected") takes rejections off the report', async () => {
    const lines: string[] = [];
    const { consumer, forge } = await pair((line) => lines.push(line));
    const heard: string[] = [];
    const off = consumer.on('rejected', (r) => heard.push(r.reason));
    await forge(3);
    await consumer.broadcast('order:ORD-1', 'created', { customerId: 'boom' });
    await sleep(30);
    expect(heard).toEqual(['bad_signature', 'bad_signature', 'bad_signature']);
    expect(lines.some((l) => l.includes('rejected a message'))).toBe(false);
    expect(lines.some((l) => l.includes('failed on "created"'))).toBe(true);
    // Once the listener is gone, the report takes the kind back.
    off();
    await forge(1);
    expect(lines.some((l) => l.includes('rejected a message'))).toBe(true);
  });

  it('is replaced by attachLogger: every kind goes to the logger, none to the report', async () => {
    const lines: string[] = [];
    const { consumer, forge } = await pair((line) => lines.push(line));
    const logged: string[] = [];
    const logger: LoggerLike = {
      debug: () => undefined,
      info: () => undefined,
      warn: (message) => logged.push(String(message)),
      error: (message) => logged.push(String(message)),
    };
    attachLogger(consumer, { logger });
    await forge(2);
    await consumer.broadcast('order:ORD-1', 'created', { customerId: 'boom' });
    await sleep(30);
    expect(lines).toEqual([]);
    expect(logged.filter((l) => l.includes('(bad_signature'))).toHaveLength(2);
    expect(logged.filter((l) => l.includes('failed on "created"'))).toHaveLength(1);
  });

  it('reports overflow drops of a slow handler, once per subscription per interval', async () => {
    const lines: string[] = [];
    const bus = createBus({
      registry,
      keys: key(),
      transport: createLocalHub().transport(),
      log: (line) => lines.push(line),
    });
    buses.push(bus);
    await bus.start();
    let release: () => void = () => undefined;
    const blocked = new Promise<void>((resolve) => (release = resolve));
    await bus.subscribe('order:ORD-1', () => blocked, { queue: { limit: 2 } });
    for (let i = 0; i < 20; i++)
      await bus.broadcast('order:ORD-1', 'created', { customerId: `c${i}` });
    release();
    await sleep(20);
    expect(bus.stats().overflowDrops).toBeGreaterThan(10);
    const drops = lines.filter((l) => l.includes('dropped'));
    expect(drops).toHaveLength(1);
    expect(drops[0]).toMatch(
      /^herald: subscription 1 on "order:ORD-1" dropped 1 message\(s\) \(drop-oldest\)\. Fix: the handler is slower than its publishers/,
    );
  });

  it('reports a disconnect and the gap after it, and not the routine reconnect events', async () => {
    const lines: string[] = [];
    let sink: TransportSink | undefined;
    const transport: Transport = {
      name: 'fake',
      connect: async (s) => {
        sink = s;
      },
      publish: async () => undefined,
      subscribe: async () => undefined,
      unsubscribe: async () => undefined,
      close: async () => undefined,
      status: () => ({ name: 'fake', state: ConnectionState.Connected, since: 0, channels: 0 }),
    };
    const bus = createBus({ registry, keys: key(), transport, log: (line) => lines.push(line) });
    buses.push(bus);
    await bus.start();
    sink!.event({ type: 'connected' });
    sink!.event({ type: 'disconnected', reason: 'ECONNRESET' });
    sink!.event({ type: 'reconnecting', attempt: 1, delayMs: 100 });
    sink!.event({ type: 'resubscribed', channels: 1, ms: 120 });
    const reports = lines.filter((l) => !l.includes('silences'));
    expect(reports).toHaveLength(2);
    expect(reports[0]).toMatch(
      /^herald: disconnected \(fake\): ECONNRESET\. Fix: messages published meanwhile may be lost/,
    );
    expect(reports[1]).toMatch(
      /^herald: messages may have been lost \(fake\) from .* Fix: resync from your source of truth/,
    );
  });
});
