/**
 * The pieces that make `herald/otel` end well: export failures logged once per streak, a bounded
 * wait that never rejects, and the open-span tracking that lets shutdown inside a handler still
 * export that handler's span. test/package/install.test.ts drives them through `startOtel` on
 * both SDK lines.
 */
import type { Span } from '@opentelemetry/api';
import { describe, expect, it } from 'vitest';
import { OpenSpans, reportFailures, within } from '../../src/otel/lifecycle.js';

type Result = { code: number; error?: Error };

function fakeExporter(results: Result[]) {
  return {
    calls: 0,
    export(_items: unknown, done: (result: Result) => void) {
      this.calls += 1;
      done(results.shift() ?? { code: 0 });
    },
    shutdown: async () => 'stopped',
  };
}

describe('reportFailures', () => {
  it('logs the first failure of a streak and the recovery, and passes every result on', () => {
    const lines: string[] = [];
    const inner = fakeExporter([
      { code: 1, error: new Error('connect ECONNREFUSED 127.0.0.1:4318') },
      { code: 1, error: new Error('again') },
      { code: 0 },
      { code: 1, error: new Error('timed out') },
    ]);
    const exporter = reportFailures(inner, 'spans to http://x/v1/traces', (l) => lines.push(l));
    const seen: number[] = [];
    for (let i = 0; i < 4; i++) exporter.export([], (r) => seen.push(r.code));
    expect(seen).toEqual([1, 1, 0, 1]);
    expect(inner.calls).toBe(4);
    expect(lines).toEqual([
      'herald/otel: exporting spans to http://x/v1/traces failed: connect ECONNREFUSED 127.0.0.1:4318 (further failures are not logged until an export succeeds)',
      'herald/otel: exporting spans to http://x/v1/traces works again',
      'herald/otel: exporting spans to http://x/v1/traces failed: timed out (further failures are not logged until an export succeeds)',
    ]);
  });

  it('leaves the other members of the exporter as they are', async () => {
    const exporter = reportFailures(fakeExporter([]), 'spans', () => undefined);
    await expect(exporter.shutdown()).resolves.toBe('stopped');
  });
});

describe('within', () => {
  it('is true for work that settles in time', async () => {
    const lines: string[] = [];
    expect(await within(Promise.resolve(), Date.now() + 1000, 'x', (l) => lines.push(l))).toBe(
      true,
    );
    expect(lines).toEqual([]);
  });

  it('gives up at the deadline, logs it, and never rejects', async () => {
    const lines: string[] = [];
    const started = Date.now();
    const never = new Promise(() => undefined);
    expect(await within(never, started + 100, 'stopping', (l) => lines.push(l))).toBe(false);
    expect(Date.now() - started).toBeLessThan(1000);
    expect(lines).toEqual([
      'herald/otel: stopping did not finish in time; what it had not exported is dropped',
    ]);
    const failed = within(Promise.reject(new Error('boom')), Date.now() + 1000, 'flushing', (l) =>
      lines.push(l),
    );
    await expect(failed).resolves.toBe(false);
    expect(lines.at(-1)).toBe('herald/otel: flushing failed: boom');
  });
});

describe('OpenSpans', () => {
  const span = (name: string) => ({ name }) as unknown as Span;

  it('settles when every span but the excepted one has ended', async () => {
    const open = new OpenSpans();
    const [handler, other] = [span('handler'), span('other')];
    open.onStart(handler);
    open.onStart(other);
    let settled = false;
    const waiting = open.settled(handler, Date.now() + 5000).then(() => {
      settled = true;
    });
    await new Promise((r) => setTimeout(r, 20));
    expect(settled).toBe(false);
    open.onEnd(other);
    await waiting;
    expect(open.isOpen(handler)).toBe(true);
    expect(open.isOpen(other)).toBe(false);
  });

  it('resolves ended() when the span ends, or at the deadline', async () => {
    const open = new OpenSpans();
    const s = span('s');
    open.onStart(s);
    const ended = open.ended(s, Date.now() + 5000);
    open.onEnd(s);
    await ended;
    const stuck = span('stuck');
    open.onStart(stuck);
    const started = Date.now();
    await open.ended(stuck, started + 50);
    expect(Date.now() - started).toBeLessThan(1000);
    expect(open.isOpen(stuck)).toBe(true);
  });
});
