/**
 * Subscribe helpers on virtual time: throttle (leading/trailing), debounce, filter, latestOnly
 * and batch — the exact calls a handler gets, in order, and the counters of what was coalesced,
 * filtered or dropped.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  type Bus,
  type BusOptions,
  createBus,
  createLocalHub,
  ErrorCode,
  type Instrumentation,
  type Message,
} from '../../src/index.js';
import { keys, registry } from '../fixtures/registry.js';

type Defs = typeof registry.defs;
const TOPIC = 'room:1';
let bus: Bus<Defs>;

async function start(extra: Partial<BusOptions<Defs>> = {}): Promise<Bus<Defs>> {
  bus = createBus({
    registry,
    keys,
    nodeId: 'h',
    transport: createLocalHub().transport(),
    instrumentation: false,
    ...extra,
  });
  await bus.start();
  return bus;
}
/** Publishes message n (local delivery, no transport). */
const send = (n: number) => bus.localBroadcast(TOPIC, 'message', { text: `m${n}`, n });
/** Advances virtual time, running timers and the microtasks they queue. */
const at = async (ms: number) => {
  await vi.advanceTimersByTimeAsync(ms);
};
const ns = (messages: readonly Message<string, { n: number }>[]) =>
  messages.map((m) => m.payload.n);

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(async () => {
  await bus?.stop();
  vi.useRealTimers();
});

describe('throttle', () => {
  it('delivers the first message at once and the newest of the window when it ends', async () => {
    await start();
    const seen: [number, number][] = [];
    const t0 = Date.now();
    const sub = await bus.subscribe(TOPIC, (m) => void seen.push([Date.now() - t0, m.payload.n]), {
      events: ['message'],
      throttle: { ms: 100 },
    });
    await send(1);
    await at(10);
    await send(2);
    await at(10);
    await send(3);
    await at(100);
    // The trailing delivery opened a window until 200; m4 at 150 waits for it.
    await at(30);
    await send(4);
    await at(100);
    // The window opened at 200 ended empty at 300: m5 at 350 is a leading edge again.
    await at(100);
    await send(5);
    await at(0);
    expect(seen).toEqual([
      [0, 1],
      [100, 3],
      [200, 4],
      [350, 5],
    ]);
    expect(sub.counts).toEqual({
      received: 5,
      filtered: 0,
      coalesced: 1,
      dropped: 0,
      calls: 4,
      handled: 4,
    });
  });

  it('without the leading edge, delivers only the newest message at the end of each window', async () => {
    await start();
    const seen: [number, number][] = [];
    const t0 = Date.now();
    const sub = await bus.subscribe(TOPIC, (m) => void seen.push([Date.now() - t0, m.payload.n]), {
      events: ['message'],
      throttle: { ms: 50, leading: false },
    });
    for (let n = 1; n <= 4; n++) {
      await send(n);
      await at(10);
    }
    await at(100);
    expect(seen).toEqual([[50, 4]]);
    expect(sub.counts.coalesced).toBe(3);
  });

  it('without the trailing edge, drops what arrives inside a window', async () => {
    await start();
    const seen: number[] = [];
    const sub = await bus.subscribe(TOPIC, (m) => void seen.push(m.payload.n), {
      events: ['message'],
      throttle: { ms: 50, trailing: false },
    });
    await send(1);
    await send(2);
    await at(20);
    await send(3);
    await at(40);
    await send(4);
    await at(100);
    expect(seen).toEqual([1, 4]);
    expect(sub.counts).toMatchObject({ received: 4, coalesced: 2, calls: 2 });
  });

  it('cancels a pending trailing delivery when unsubscribed', async () => {
    await start();
    const seen: number[] = [];
    const sub = await bus.subscribe(TOPIC, (m) => void seen.push(m.payload.n), {
      events: ['message'],
      throttle: { ms: 50 },
    });
    await send(1);
    await send(2);
    await sub.unsubscribe();
    await at(100);
    expect(seen).toEqual([1]);
  });
});

describe('debounce', () => {
  it('delivers the newest message once none arrived for ms', async () => {
    await start();
    const seen: [number, number][] = [];
    const t0 = Date.now();
    const sub = await bus.subscribe(TOPIC, (m) => void seen.push([Date.now() - t0, m.payload.n]), {
      events: ['message'],
      debounce: { ms: 50 },
    });
    await send(1);
    await at(30);
    await send(2);
    await at(30);
    await send(3);
    await at(100);
    await send(4);
    await at(60);
    expect(seen).toEqual([
      [110, 3],
      [210, 4],
    ]);
    expect(sub.counts).toMatchObject({ received: 4, coalesced: 2, calls: 2 });
  });

  it('delivers after maxWaitMs even while messages keep coming', async () => {
    await start();
    const seen: [number, number][] = [];
    const t0 = Date.now();
    await bus.subscribe(TOPIC, (m) => void seen.push([Date.now() - t0, m.payload.n]), {
      events: ['message'],
      debounce: { ms: 50, maxWaitMs: 100 },
    });
    for (let n = 1; n <= 8; n++) {
      await send(n);
      await at(30);
    }
    await at(100);
    // m1..m4 arrive at 0-90: the deadline fires at 100 with m4; m5..m8 at 120-210: 220, then quiet.
    expect(seen).toEqual([
      [100, 4],
      [220, 8],
    ]);
  });
});

describe('filter', () => {
  it('passes only what the typed predicate accepts, and counts the rest', async () => {
    await start();
    const seen: number[] = [];
    const sub = await bus.subscribe(TOPIC, (m) => void seen.push(m.payload.n), {
      events: ['message'],
      filter: (m) => m.payload.n % 2 === 0,
    });
    for (let n = 1; n <= 6; n++) await send(n);
    await at(0);
    expect(seen).toEqual([2, 4, 6]);
    expect(sub.counts).toMatchObject({ received: 6, filtered: 3, calls: 3, handled: 3 });
  });

  it('filters before throttling, so refused messages never take a window', async () => {
    await start();
    const seen: number[] = [];
    await bus.subscribe(TOPIC, (m) => void seen.push(m.payload.n), {
      events: ['message'],
      filter: (m) => m.payload.n !== 1,
      throttle: { ms: 50 },
    });
    await send(1);
    await send(2);
    await at(0);
    expect(seen).toEqual([2]);
  });

  it('reports a throwing predicate as handler_error; the publisher is unaffected', async () => {
    await start();
    const errors: string[] = [];
    bus.on('handler_error', (e) => void errors.push(String(e.error)));
    await bus.subscribe(TOPIC, () => undefined, {
      filter: () => {
        throw new Error('bad predicate');
      },
    });
    await expect(send(1)).resolves.toMatchObject({ localDeliveries: 0 });
    expect(errors).toEqual(['Error: bad predicate']);
  });
});

describe('latestOnly', () => {
  it('lets a slow consumer see the newest message, never a backlog', async () => {
    await start();
    const seen: number[] = [];
    let release: () => void = () => undefined;
    const sub = await bus.subscribe(
      TOPIC,
      async (m) => {
        seen.push(m.payload.n);
        if (m.payload.n === 1) await new Promise<void>((r) => (release = r));
      },
      { events: ['message'], latestOnly: true },
    );
    await send(1);
    await at(0);
    for (let n = 2; n <= 5; n++) await send(n);
    expect(sub.pending).toBe(1);
    release();
    await at(0);
    expect(seen).toEqual([1, 5]);
    expect(sub.counts).toEqual({
      received: 5,
      filtered: 0,
      coalesced: 3,
      dropped: 0,
      calls: 2,
      handled: 2,
    });
  });
});

describe('batch', () => {
  it('hands the handler arrays of at most max, and a partial one after maxWaitMs', async () => {
    await start();
    const seen: [number, number[]][] = [];
    const t0 = Date.now();
    const sub = await bus.subscribeBatch(
      TOPIC,
      (messages) => void seen.push([Date.now() - t0, ns(messages)]),
      { events: ['message'], batch: { max: 3, maxWaitMs: 50 } },
    );
    for (let n = 1; n <= 7; n++) await send(n);
    await at(0);
    expect(seen).toEqual([
      [0, [1, 2, 3]],
      [0, [4, 5, 6]],
    ]);
    await at(49);
    expect(seen).toHaveLength(2);
    await at(1);
    expect(seen.at(-1)).toEqual([50, [7]]);
    expect(sub.counts).toMatchObject({ received: 7, calls: 3, handled: 7 });
  });

  it('batches by time alone: everything that arrived within maxWaitMs of the first', async () => {
    await start();
    const seen: number[][] = [];
    await bus.subscribeBatch(TOPIC, (messages) => void seen.push(ns(messages)), {
      events: ['message'],
      batch: { maxWaitMs: 40 },
    });
    await send(1);
    await at(20);
    await send(2);
    await at(20);
    await send(3);
    await at(40);
    expect(seen).toEqual([[1, 2], [3]]);
  });

  it('grows batches while a slow handler runs (up to max), keeping order', async () => {
    await start();
    const seen: number[][] = [];
    await bus.subscribeBatch(
      TOPIC,
      async (messages) => {
        seen.push(ns(messages));
        await new Promise((r) => setTimeout(r, 100));
      },
      { events: ['message'], batch: { max: 4, maxWaitMs: 10 } },
    );
    await send(1);
    await at(10);
    for (let n = 2; n <= 7; n++) await send(n);
    await at(300);
    expect(seen).toEqual([[1], [2, 3, 4, 5], [6, 7]]);
  });
});

describe('backpressure', () => {
  it('runs handlers one at a time by default, and up to `concurrency` at once when asked', async () => {
    await start();
    for (const concurrency of [1, 3]) {
      let running = 0;
      let most = 0;
      const order: number[] = [];
      const sub = await bus.subscribe(
        TOPIC,
        async (m) => {
          running++;
          most = Math.max(most, running);
          await new Promise((r) => setTimeout(r, 10 * (6 - m.payload.n)));
          order.push(m.payload.n);
          running--;
        },
        { events: ['message'], queue: { concurrency } },
      );
      for (let n = 1; n <= 5; n++) await send(n);
      await at(500);
      expect(most).toBe(concurrency);
      if (concurrency === 1) expect(order).toEqual([1, 2, 3, 4, 5]);
      else expect(order).not.toEqual([1, 2, 3, 4, 5]);
      expect(order.sort()).toEqual([1, 2, 3, 4, 5]);
      await sub.unsubscribe();
    }
  });

  it('emits slow_consumer when the backlog reaches slowAt, and again when it drains to recoverAt', async () => {
    await start();
    const events: unknown[] = [];
    bus.on('slow_consumer', (e) => void events.push(e));
    let release: () => void = () => undefined;
    const sub = await bus.subscribe(
      TOPIC,
      async () => {
        await new Promise<void>((r) => (release = r));
      },
      { events: ['message'], queue: { limit: 10 } },
    );
    for (let n = 1; n <= 9; n++) await send(n);
    // m1 runs; m2..m9 wait: the default threshold is 80% of 10 = 8.
    expect(events).toEqual([
      { topic: TOPIC, subscription: sub.id, slow: true, pending: 8, threshold: 8 },
    ]);
    expect(sub.slow).toBe(true);
    for (let i = 0; i < 4; i++) {
      release();
      await at(0);
    }
    // The default recovery mark is half the threshold: 4 waiting.
    expect(events.at(-1)).toEqual({
      topic: TOPIC,
      subscription: sub.id,
      slow: false,
      pending: 4,
      threshold: 8,
    });
    expect(sub.slow).toBe(false);
    expect(events).toHaveLength(2);
  });

  it('counts overflow drops next to the helpers’ counts', async () => {
    await start();
    let release: () => void = () => undefined;
    const sub = await bus.subscribe(
      TOPIC,
      async () => {
        await new Promise<void>((r) => (release = r));
      },
      { events: ['message'], queue: { limit: 2, overflow: 'drop-newest', slowAt: 0 } },
    );
    for (let n = 1; n <= 5; n++) await send(n);
    expect(sub.counts).toMatchObject({ received: 5, dropped: 2, calls: 1 });
    release();
  });
});

describe('tracing of coalesced deliveries', () => {
  function recorder() {
    const calls: { kind: string; ids: string[] }[] = [];
    const instrumentation: Instrumentation = {
      publish: () => ({ end() {} }),
      process: (message, _info, run) => {
        calls.push({ kind: 'process', ids: [message.meta.id] });
        return run();
      },
      processBatch: (messages, _info, run) => {
        calls.push({ kind: 'batch', ids: messages.map((m) => m.meta.id) });
        return run();
      },
      rejected: () => undefined,
      dropped: () => undefined,
      transportEvent: () => undefined,
    };
    return { calls, instrumentation };
  }
  const seq = (ids: string[]) => ids.map((id) => Number(id.split(':').at(-1)));

  it('runs a batch in one processBatch call with every message', async () => {
    const { calls, instrumentation } = recorder();
    await start({ instrumentation });
    await bus.subscribeBatch(TOPIC, () => undefined, { batch: { max: 3 } });
    for (let n = 1; n <= 3; n++) await send(n);
    await at(0);
    expect(calls.map((c) => ({ kind: c.kind, seqs: seq(c.ids) }))).toEqual([
      { kind: 'batch', seqs: [1, 2, 3] },
    ]);
  });

  it('links a throttled delivery to the messages it stands for', async () => {
    const { calls, instrumentation } = recorder();
    await start({ instrumentation });
    await bus.subscribe(TOPIC, () => undefined, { throttle: { ms: 50 } });
    for (let n = 1; n <= 3; n++) await send(n);
    await at(60);
    expect(calls.map((c) => ({ kind: c.kind, seqs: seq(c.ids) }))).toEqual([
      { kind: 'process', seqs: [1] },
      { kind: 'batch', seqs: [2, 3] },
    ]);
  });
});

describe('mistakes', () => {
  it('refuses helper options that cannot work, when subscribing', async () => {
    await start();
    const refuse = (options: object) =>
      expect(bus.subscribe(TOPIC, () => undefined, options as never)).rejects.toMatchObject({
        code: ErrorCode.ConfigInvalid,
        topic: TOPIC,
      });
    await refuse({ throttle: { ms: 0 } });
    await refuse({ throttle: { ms: 10, leading: false, trailing: false } });
    await refuse({ debounce: { ms: 10, maxWaitMs: 5 } });
    await refuse({ throttle: { ms: 10 }, debounce: { ms: 10 } });
    await refuse({ queue: { concurrency: 0 } });
    await refuse({ queue: { slowAt: 4, recoverAt: 4 } });
    await refuse({ filter: 'even' });
    await expect(bus.subscribeBatch(TOPIC, () => undefined, { batch: {} })).rejects.toMatchObject({
      code: ErrorCode.ConfigInvalid,
      message: expect.stringContaining('batch needs'),
    });
  });
});
