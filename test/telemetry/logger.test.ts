/**
 * `attachLogger`: bus and transport events as log lines, levels per kind, alerting callbacks,
 * detaching.
 */
import { afterEach, describe, expect, it } from 'vitest';
import {
  attachLogger,
  type Bus,
  createBus,
  createLocalHub,
  type LocalHub,
  type LoggerLike,
  type Transport,
  type TransportEvent,
  type TransportSink,
} from '../../src/index.js';
import { testKeys } from '../../src/testing/keys.js';
import { newRunId, type TestTopics, testRegistry } from '../../src/testing/registry.js';

type Level = 'debug' | 'info' | 'warn' | 'error';
interface Line {
  level: Level;
  args: unknown[];
}

function recorder(): LoggerLike & { lines: Line[] } {
  const lines: Line[] = [];
  const at =
    (level: Level) =>
    (...args: unknown[]) =>
      void lines.push({ level, args });
  return { lines, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

function controllable(hub: LocalHub): { transport: Transport; emit(e: TransportEvent): void } {
  const inner = hub.transport();
  let sink: TransportSink | undefined;
  return {
    transport: {
      ...inner,
      connect(s) {
        sink = s;
        return inner.connect(s);
      },
    },
    emit: (e) => sink?.event(e),
  };
}

const run = newRunId();
const topic = `herald-test:${run}:room` as const;
const open: Bus<TestTopics>[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((b) => b.stop()));
});

async function setUp() {
  const hub = createLocalHub();
  const { transport, emit } = controllable(hub);
  const bus = createBus({
    registry: testRegistry,
    keys: testKeys(),
    transport,
    nodeId: 'logged',
    instrumentation: false,
  });
  open.push(bus);
  return { hub, bus, emit };
}

describe('attachLogger', () => {
  it('turns each bus and transport event into one line at its default level', async () => {
    const { hub, bus, emit } = await setUp();
    const log = recorder();
    attachLogger(bus, { logger: log });
    await bus.start();
    await bus.subscribe(topic, () => {
      throw new Error('handler broke');
    });
    await bus.broadcast(topic, 'posted', { n: 1, from: 'x', text: 'y' });
    const spy = hub.transport();
    await spy.connect({ message() {}, event() {} });
    await spy.publish(topic, 'junk');
    await new Promise((r) => setTimeout(r, 10));
    emit({ type: 'disconnected', reason: 'ECONNRESET' });
    emit({ type: 'reconnecting', attempt: 2, delayMs: 100 });
    emit({ type: 'resubscribed', channels: 3, ms: 250 });
    emit({ type: 'failover', from: 'redis', to: 'local', reason: 'redis down' });
    await spy.close();

    const summary = log.lines.map((l) => [l.level, String(l.args[0])]);
    expect(summary).toEqual([
      ['info', 'herald: connected (local)'],
      [
        'error',
        `herald: handler of subscription 1 on "${topic}" failed on "posted": Error: handler broke`,
      ],
      [
        'warn',
        `herald: rejected a message on "${topic}" (malformed): not a herald/2 message nor a JWS compact serialization`,
      ],
      ['warn', 'herald: disconnected (local): ECONNRESET'],
      ['info', 'herald: reconnecting (local), attempt 2 in 100 ms'],
      ['info', 'herald: resubscribed 3 channel(s) (local) 250 ms after the disconnect'],
      [
        'warn',
        expect.stringMatching(
          /^herald: messages may have been lost \(local\) from .+: ECONNRESET$/,
        ),
      ],
      ['warn', 'herald: failover from redis to local: redis down'],
      [
        'warn',
        expect.stringMatching(
          /^herald: messages may have been lost \(local\) .+failover from redis: redis down$/,
        ),
      ],
    ]);
    const rejected = log.lines[2]?.args[1] as Record<string, unknown>;
    expect(rejected).toMatchObject({ reason: 'malformed', channel: topic });
  });

  it('logs overflow and cancelled subscriptions', async () => {
    const { bus } = await setUp();
    const log = recorder();
    attachLogger(bus, { logger: log });
    await bus.start();
    await bus.subscribe(topic, () => new Promise((r) => setTimeout(r, 5)), {
      queue: { limit: 1, overflow: 'error' },
    });
    void bus.broadcast(topic, 'posted', { n: 1, from: 'x', text: 'y' });
    void bus.broadcast(topic, 'posted', { n: 2, from: 'x', text: 'y' });
    await new Promise((r) => setTimeout(r, 20));
    const texts = log.lines.map((l) => `${l.level} ${String(l.args[0])}`);
    expect(texts).toContain(
      `warn herald: subscription 1 on "${topic}" overflowed its queue (error)`,
    );
    expect(
      texts.some((t) => t.startsWith(`error herald: subscription 1 on "${topic}" was cancelled`)),
    ).toBe(true);
  });

  it('logs a slow consumer and its recovery', async () => {
    const { bus } = await setUp();
    const log = recorder();
    attachLogger(bus, { logger: log });
    await bus.start();
    let open!: () => void;
    const gate = new Promise<void>((r) => {
      open = r;
    });
    let handled = 0;
    const sub = await bus.subscribe(
      topic,
      async () => {
        await gate;
        handled++;
      },
      { queue: { limit: 10, slowAt: 3, recoverAt: 1 } },
    );
    // The first message occupies the handler; the next three wait and reach slowAt.
    for (let n = 1; n <= 4; n++) await bus.broadcast(topic, 'posted', { n, from: 'x', text: 'y' });
    expect(sub.slow).toBe(true);
    open();
    await expect.poll(() => handled).toBe(4);

    const slow = log.lines.filter((l) => String(l.args[0]).includes(`subscription ${sub.id} on`));
    expect(slow.map((l) => [l.level, String(l.args[0])])).toEqual([
      [
        'warn',
        `herald: subscription ${sub.id} on "${topic}" is slow: 3 message(s) waiting (threshold 3)`,
      ],
      ['warn', `herald: subscription ${sub.id} on "${topic}" caught up: 1 message(s) waiting`],
    ]);
    expect(slow[0]?.args[1]).toEqual({
      topic,
      subscription: sub.id,
      slow: true,
      pending: 3,
      threshold: 3,
    });
    expect(slow[1]?.args[1]).toMatchObject({ slow: false, pending: 1 });
  });

  it('uses configured levels, silences "off", and can put fields first', async () => {
    const { bus, emit } = await setUp();
    const log = recorder();
    attachLogger(bus, {
      logger: log,
      levels: { connected: 'off', disconnected: 'error', reconnecting: 'debug' },
      style: 'fields-first',
    });
    await bus.start();
    emit({ type: 'disconnected', reason: 'gone' });
    emit({ type: 'reconnecting', attempt: 1, delayMs: 50 });
    expect(log.lines.map((l) => l.level)).toEqual(['error', 'debug']);
    expect(log.lines[0]?.args).toEqual([
      { transport: 'local', reason: 'gone' },
      'herald: disconnected (local): gone',
    ]);
  });

  it('calls onDisconnect and onConnect with the outage length', async () => {
    const { bus, emit } = await setUp();
    const events: unknown[] = [];
    attachLogger(bus, {
      logger: recorder(),
      onDisconnect: (info) => void events.push(['down', info]),
      onConnect: (info) => void events.push(['up', info]),
    });
    await bus.start();
    emit({ type: 'disconnected', reason: 'timeout' });
    emit({ type: 'disconnected', reason: 'still down' });
    await new Promise((r) => setTimeout(r, 30));
    emit({ type: 'connected' });
    emit({ type: 'resubscribed', channels: 0, ms: 30 });
    expect(events).toEqual([
      ['up', { transport: 'local' }],
      ['down', { transport: 'local', reason: 'timeout' }],
      ['down', { transport: 'local', reason: 'still down' }],
      ['up', { transport: 'local', downMs: expect.any(Number) }],
    ]);
    expect((events[3] as [string, { downMs: number }])[1].downMs).toBeGreaterThanOrEqual(25);
  });

  it('survives a throwing callback and logs it', async () => {
    const { bus, emit } = await setUp();
    const log = recorder();
    attachLogger(bus, {
      logger: log,
      onDisconnect: () => {
        throw new Error('pager down');
      },
    });
    await bus.start();
    emit({ type: 'disconnected', reason: 'x' });
    expect(log.lines.map((l) => String(l.args[0]))).toContain(
      'herald: onDisconnect callback threw: Error: pager down',
    );
  });

  it('stops logging once detached', async () => {
    const { bus, emit } = await setUp();
    const log = recorder();
    const detach = attachLogger(bus, { logger: log });
    await bus.start();
    detach();
    detach();
    emit({ type: 'disconnected', reason: 'after detach' });
    expect(log.lines.map((l) => String(l.args[0]))).toEqual(['herald: connected (local)']);
  });

  it('logs to console by default', async () => {
    const { bus, emit } = await setUp();
    const original = console.warn;
    const seen: unknown[][] = [];
    console.warn = (...args: unknown[]) => void seen.push(args);
    try {
      const detach = attachLogger(bus, { levels: { connected: 'off' } });
      await bus.start();
      emit({ type: 'disconnected', reason: 'to console' });
      detach();
    } finally {
      console.warn = original;
    }
    expect(seen[0]?.[0]).toBe('herald: disconnected (local): to console');
  });
});
