/**
 * Presence on in-process buses: the API (typed metas, several metas per key, idempotent track /
 * untrack / update, fetch, caps), diffs as `presence_state` then `presence_diff`, graceful leave,
 * down and back up, restarts, and signing. Timing-dependent cases run on virtual time.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  type Bus,
  type BusOptions,
  createBus,
  createLocalHub,
  ErrorCode,
  type LocalHub,
  type PresenceEvent,
} from '../../src/index.js';
import { testKeys } from '../../src/testing/keys.js';
import { type PresenceTopics, presenceRegistry } from './registry.js';

type Meta = { name: string; device?: string; typing?: boolean };
type Ev = PresenceEvent<Meta>;
const TIMING = { heartbeatMs: 100, downAfterMs: 1000, permdownAfterMs: 3000 } as const;

let hub: LocalHub;
const buses: Bus<PresenceTopics>[] = [];
function node(id: string, extra: Partial<BusOptions<PresenceTopics>> = {}): Bus<PresenceTopics> {
  const bus = createBus({
    registry: presenceRegistry,
    keys: testKeys(),
    nodeId: id,
    transport: hub.transport(),
    presence: TIMING,
    ...extra,
  });
  buses.push(bus);
  return bus;
}
async function nodes<const T extends readonly string[]>(
  ...ids: T
): Promise<{ [K in keyof T]: Bus<PresenceTopics> }> {
  const list = ids.map((id) => node(id));
  await Promise.all(list.map((b) => b.start()));
  return list as { [K in keyof T]: Bus<PresenceTopics> };
}
/** Lets the hub deliver and handlers run (virtual time). */
const pass = (ms = 1) => vi.advanceTimersByTimeAsync(ms);
const keysOf = async (bus: Bus<PresenceTopics>, topic: `room:${string}` = 'room:1') =>
  Object.keys(await bus.presence.list(topic)).sort();
function record(bus: Bus<PresenceTopics>, topic: `room:${string}` = 'room:1') {
  const events: Ev[] = [];
  const ready = bus.presence.subscribe(topic, (e) => void events.push(e));
  return { events, ready };
}
const simple = (e: Ev) =>
  e.event === 'presence_state'
    ? { state: Object.keys(e.payload).sort() }
    : {
        joins: Object.entries(e.payload.joins).map(
          ([k, v]) => `${k}:${v.metas.map((m) => m.meta.name).join(',')}`,
        ),
        leaves: Object.entries(e.payload.leaves).map(
          ([k, v]) => `${k}:${v.metas.map((m) => m.meta.name).join(',')}`,
        ),
      };

beforeEach(() => {
  vi.useFakeTimers();
  hub = createLocalHub();
});
afterEach(async () => {
  await Promise.all(buses.splice(0).map((b) => b.stop()));
  vi.useRealTimers();
});

describe('tracking and listing', () => {
  it('lists a presence tracked on one node on every node, with its typed meta, node and owner', async () => {
    const [a, b, c] = await nodes('a', 'b', 'c');
    const ref = await a.presence.track('room:1', 'u1', { name: 'Ann', device: 'web' });
    await pass();
    for (const bus of [a, b, c]) {
      const listing = await bus.presence.list('room:1');
      expect(Object.keys(listing)).toEqual(['u1']);
      const [meta] = listing.u1?.metas ?? [];
      expect(meta).toMatchObject({
        meta: { name: 'Ann', device: 'web' },
        ref,
        node: 'a',
        owner: 'default',
      });
      expect(typeof meta?.onlineAt).toBe('number');
    }
    expect(ref).toMatch(/^a\.[0-9a-z]{15}\.1$/);
  });

  it('keeps one meta per owner under one key (one per tab), across nodes', async () => {
    const [a, b] = await nodes('a', 'b');
    await a.presence.track('room:1', 'u1', { name: 'Ann', device: 'tab-1' }, { owner: 't1' });
    await a.presence.track('room:1', 'u1', { name: 'Ann', device: 'tab-2' }, { owner: 't2' });
    await b.presence.track('room:1', 'u1', { name: 'Ann', device: 'phone' }, { owner: 'p1' });
    await pass();
    for (const bus of [a, b]) {
      const metas = (await bus.presence.list('room:1')).u1?.metas ?? [];
      expect(metas.map((m) => `${m.node}/${m.owner}/${m.meta.device}`).sort()).toEqual([
        'a/t1/tab-1',
        'a/t2/tab-2',
        'b/p1/phone',
      ]);
    }
  });

  it('separates topics', async () => {
    const [a, b] = await nodes('a', 'b');
    await a.presence.track('room:1', 'u1', { name: 'Ann' });
    await a.presence.track('room:2', 'u2', { name: 'Bob' });
    await pass();
    expect(await keysOf(b, 'room:1')).toEqual(['u1']);
    expect(await keysOf(b, 'room:2')).toEqual(['u2']);
    expect(await keysOf(b, 'room:3')).toEqual([]);
  });

  it('is idempotent: tracking twice is one presence, untracking twice is harmless', async () => {
    const [a, b] = await nodes('a', 'b');
    const first = await a.presence.track('room:1', 'u1', { name: 'Ann' });
    const again = await a.presence.track('room:1', 'u1', { name: 'Ann' });
    expect(again).toBe(first);
    expect(a.presence.stats().version).toBe(1);
    await pass();
    expect((await b.presence.list('room:1')).u1?.metas).toHaveLength(1);
    expect(await a.presence.untrack('room:1', 'u1')).toBe(true);
    expect(await a.presence.untrack('room:1', 'u1')).toBe(false);
    expect(await a.presence.untrack('room:1', 'nobody')).toBe(false);
    expect(a.presence.stats().version).toBe(2);
    await pass();
    expect(await keysOf(b)).toEqual([]);
  });

  it('updates a meta (a new ref that names the old one), or does nothing when not tracked', async () => {
    const [a, b] = await nodes('a', 'b');
    const ref = await a.presence.track('room:1', 'u1', { name: 'Ann', typing: false });
    const watched = record(b);
    await watched.ready;
    const next = await a.presence.update('room:1', 'u1', (m) => ({ ...m, typing: true }));
    expect(next).not.toBe(ref);
    expect(await a.presence.update('room:1', 'nobody', { name: 'X' })).toBeUndefined();
    await pass();
    const [meta] = (await b.presence.list('room:1')).u1?.metas ?? [];
    expect(meta).toMatchObject({ ref: next, meta: { name: 'Ann', typing: true } });
    const diff = watched.events.at(-1);
    expect(diff?.event).toBe('presence_diff');
    if (diff?.event !== 'presence_diff') return;
    expect(diff.payload.leaves.u1?.metas[0]).toMatchObject({ ref, meta: { typing: false } });
    expect(diff.payload.joins.u1?.metas[0]).toMatchObject({
      ref: next,
      prevRef: ref,
      meta: { typing: true },
    });
  });

  it('untracks every presence of an owner on every topic (a closed connection)', async () => {
    const [a, b] = await nodes('a', 'b');
    await a.presence.track('room:1', 'u1', { name: 'Ann' }, { owner: 'sock-1' });
    await a.presence.track('room:2', 'u1', { name: 'Ann' }, { owner: 'sock-1' });
    await a.presence.track('room:1', 'u1', { name: 'Ann' }, { owner: 'sock-2' });
    expect(await a.presence.untrackOwner('sock-1')).toBe(2);
    await pass();
    expect((await b.presence.list('room:1')).u1?.metas.map((m) => m.owner)).toEqual(['sock-2']);
    expect(await keysOf(b, 'room:2')).toEqual([]);
  });

  it('copies the meta, so changing the caller’s object later changes nothing', async () => {
    const [a, b] = await nodes('a', 'b');
    const meta = { name: 'Ann' };
    await a.presence.track('room:1', 'u1', meta);
    meta.name = 'Mallory';
    await pass();
    expect((await b.presence.list('room:1')).u1?.metas[0]?.meta.name).toBe('Ann');
    expect((await a.presence.list('room:1')).u1?.metas[0]?.meta.name).toBe('Ann');
  });
});

describe('subscribers', () => {
  it('receive the state first, then one diff per change', async () => {
    const [a, b] = await nodes('a', 'b');
    await a.presence.track('room:1', 'u0', { name: 'Zed' });
    await pass();
    const watched = record(b);
    await watched.ready;
    await a.presence.track('room:1', 'u1', { name: 'Ann' });
    await pass();
    await b.presence.track('room:1', 'u2', { name: 'Bob' });
    await a.presence.untrack('room:1', 'u0');
    await pass();
    expect(watched.events.map(simple)).toEqual([
      { state: ['u0'] },
      { joins: ['u1:Ann'], leaves: [] },
      { joins: ['u2:Bob'], leaves: [] },
      { joins: [], leaves: ['u0:Zed'] },
    ]);
    expect(watched.events.every((e) => e.topic === 'room:1')).toBe(true);
  });

  it('enrich listings and diffs through fetch, once per call for all keys', async () => {
    const [a, b] = await nodes('a', 'b');
    const calls: string[][] = [];
    const fetch = async (
      _topic: string,
      entries: Record<string, { metas: readonly unknown[] }>,
    ) => {
      calls.push(Object.keys(entries));
      return Object.fromEntries(
        Object.entries(entries).map(([key, entry]) => [
          key,
          { ...entry, user: { id: key, vip: key === 'u1' } },
        ]),
      ) as never;
    };
    await a.presence.track('room:1', 'u1', { name: 'Ann' });
    await a.presence.track('room:1', 'u2', { name: 'Bob' });
    await pass();
    const listing = await b.presence.list<'room:1', { user: { id: string; vip: boolean } }>(
      'room:1',
      { fetch },
    );
    expect(listing.u1?.user).toEqual({ id: 'u1', vip: true });
    expect(listing.u2?.metas[0]?.meta.name).toBe('Bob');
    expect(calls).toEqual([['u1', 'u2']]);
    const seen: unknown[] = [];
    await b.presence.subscribe('room:1', (e) => void seen.push(e), { fetch });
    await a.presence.track('room:1', 'u3', { name: 'Cyd' });
    await pass();
    expect(seen).toHaveLength(2);
    expect(
      (seen[1] as { payload: { joins: { u3: { user: unknown } } } }).payload.joins.u3.user,
    ).toEqual({
      id: 'u3',
      vip: false,
    });
  });

  it('replace a slow subscriber’s backlog by one fresh state (it skips diffs, never loses state)', async () => {
    const [a, b] = await nodes('a', 'b');
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const seen: Ev[] = [];
    const sub = await b.presence.subscribe(
      'room:1',
      async (e) => {
        seen.push(e);
        if (seen.length === 1) await gate;
      },
      { limit: 2 },
    );
    for (let i = 0; i < 5; i++) await a.presence.track('room:1', `u${i}`, { name: `N${i}` });
    await pass();
    expect(sub.resets).toBeGreaterThan(0);
    release();
    await pass();
    const last = seen.at(-1);
    expect(seen.length).toBeLessThan(7);
    expect(seen.some((e, i) => i > 0 && e.event === 'presence_state')).toBe(true);
    expect(last && simple(last)).toMatchObject({});
    expect(await keysOf(b)).toEqual(['u0', 'u1', 'u2', 'u3', 'u4']);
    sub.unsubscribe();
    expect(sub.active).toBe(false);
  });

  it('report a throwing handler as handler_error and keep delivering', async () => {
    const [a, b] = await nodes('a', 'b');
    const errors: unknown[] = [];
    b.on('handler_error', (e) => void errors.push(e.error));
    let n = 0;
    await b.presence.subscribe('room:1', () => {
      n++;
      if (n === 2) throw new Error('boom');
    });
    await a.presence.track('room:1', 'u1', { name: 'Ann' });
    await pass();
    await a.presence.track('room:1', 'u2', { name: 'Bob' });
    await pass();
    expect(n).toBe(3);
    expect(errors.map(String)).toEqual(['Error: boom']);
  });
});

describe('nodes coming and going', () => {
  it('removes a stopped node’s presences everywhere at once (a leave broadcast)', async () => {
    const [a, b, c] = await nodes('a', 'b', 'c');
    await a.presence.track('room:1', 'u1', { name: 'Ann' });
    await b.presence.track('room:1', 'u2', { name: 'Bob' });
    await pass();
    const watched = record(c);
    await watched.ready;
    await a.stop();
    await pass();
    expect(await keysOf(b)).toEqual(['u2']);
    expect(await keysOf(c)).toEqual(['u2']);
    expect(watched.events.map(simple).at(-1)).toEqual({ joins: [], leaves: ['u1:Ann'] });
    expect(c.presence.stats().downs).toBe(0);
  });
});

describe('signing', () => {
  it('sends presence as signed envelopes on $presence, verified like every message', async () => {
    const [a] = await nodes('a', 'b');
    const wire: string[] = [];
    const sniffer = hub.transport();
    await sniffer.connect({
      message: (_c, data) => void wire.push(String(data)),
      event: () => undefined,
    });
    await sniffer.subscribe('$presence');
    await a.presence.track('room:1', 'u1', { name: 'Ann' });
    await pass();
    expect(wire.length).toBeGreaterThan(0);
    // herald/2 (docs/wire-format.md §1): `head body signature`, the head naming key and node.
    const last = wire.at(-1) ?? '';
    const head = last.slice(0, last.indexOf(' ['));
    const body = last.slice(head.length + 1, last.lastIndexOf(' '));
    const signature = last.slice(last.lastIndexOf(' ') + 1);
    expect(head.split(' ').slice(0, 3)).toEqual(['herald/2', 'HS256:test', 'a']);
    const [message] = JSON.parse(body) as unknown[][];
    expect(message?.slice(2, 4)).toEqual(['$presence', 'delta']);
    expect(signature).toMatch(/^[A-Za-z0-9_-]{43}$/);
    await sniffer.close();
  });

  it('refuses presences from a node that signs with the wrong key', async () => {
    const [b] = await nodes('b');
    const rejected: string[] = [];
    b.on('rejected', (r) => void rejected.push(r.reason));
    const forger = node('mallory', { keys: testKeys('test-wrong') });
    await forger.start();
    await forger.presence.track('room:1', 'evil', { name: 'Mallory' });
    await pass();
    expect(await keysOf(b)).toEqual([]);
    expect(rejected.length).toBeGreaterThan(0);
    expect(new Set(rejected)).toEqual(new Set(['unknown_key']));
  });
});

describe('key scopes', () => {
  it('carry presence signed with a key whose scopes allow $presence, and refuse it otherwise', async () => {
    const secret = (kid: string) => testKeys(kid).keys[0]?.secret as string;
    const keyring = (sign: string) => ({
      keys: [
        { kid: 'rooms', secret: secret('rooms'), scopes: ['room:*'] },
        { kid: 'presence', secret: secret('presence'), scopes: ['room:*', '$presence'] },
      ],
      sign: [sign],
    });
    const reader = node('reader', { keys: keyring('presence') });
    const allowed = node('allowed', { keys: keyring('presence') });
    const narrow = node('narrow', { keys: keyring('rooms') });
    await Promise.all([reader.start(), allowed.start(), narrow.start()]);
    await allowed.presence.track('room:1', 'u1', { name: 'Ann' });
    await narrow.presence.track('room:1', 'u2', { name: 'Bob' });
    await pass();
    expect(await keysOf(reader)).toEqual(['u1']);
    expect(await keysOf(narrow)).toEqual(['u1', 'u2']);
    // The narrow key may not sign presence: its sends are refused before they leave, and counted.
    expect(narrow.presence.stats().sendErrors).toBeGreaterThan(0);
  });
});

describe('mistakes', () => {
  it('refuses a meta that does not match the topic’s presence schema', async () => {
    const [a] = await nodes('a');
    await expect(a.presence.track('room:1', 'u1', { name: '' })).rejects.toMatchObject({
      code: ErrorCode.InvalidPayload,
      topic: 'room:1',
      field: '/name',
    });
    // Three faults: the message names the first and says how many more.
    const loose = a.presence as unknown as {
      track(t: string, k: string, m: unknown): Promise<string>;
    };
    await expect(
      loose.track('room:1', 'u1', { name: '', device: 7, typing: 'no' }),
    ).rejects.toMatchObject({
      code: ErrorCode.InvalidPayload,
      message: expect.stringMatching(
        /^presence meta on "room:1" is invalid: \/name .* \(and 2 more\)/,
      ),
    });
  });

  it('refuses presence on a topic without a presence schema, and on unknown topics', async () => {
    const [a] = await nodes('a');
    const loose = a.presence as unknown as {
      track(t: string, k: string, m: unknown): Promise<string>;
    };
    await expect(loose.track('news:x', 'u1', { name: 'Ann' })).rejects.toMatchObject({
      code: ErrorCode.ConfigInvalid,
      message: expect.stringContaining('tracks no presence'),
    });
    await expect(loose.track('nope:x', 'u1', { name: 'Ann' })).rejects.toMatchObject({
      code: ErrorCode.UnknownTopic,
    });
  });

  it('refuses keys and owners that are empty or too long', async () => {
    const [a] = await nodes('a');
    await expect(a.presence.track('room:1', '', { name: 'Ann' })).rejects.toMatchObject({
      code: ErrorCode.ConfigInvalid,
    });
    await expect(
      a.presence.track('room:1', 'u1', { name: 'Ann' }, { owner: 'x'.repeat(257) }),
    ).rejects.toMatchObject({ code: ErrorCode.ConfigInvalid });
  });

  it('refuses a meta over 8 KiB of JSON (metas travel in every state transfer)', async () => {
    const [a] = await nodes('a');
    await expect(
      a.presence.track('room:1', 'u1', { name: 'x'.repeat(9000) }),
    ).rejects.toMatchObject({
      code: ErrorCode.ConfigInvalid,
      message: expect.stringContaining('the limit is 8192'),
    });
  });

  it('caps the presences of one node', async () => {
    const a = node('a', { presence: { ...TIMING, maxPresences: 2 } });
    await a.start();
    await a.presence.track('room:1', 'u1', { name: 'Ann' });
    await a.presence.track('room:1', 'u2', { name: 'Bob' });
    await expect(a.presence.track('room:1', 'u3', { name: 'Cyd' })).rejects.toMatchObject({
      code: ErrorCode.ConfigInvalid,
      message: expect.stringContaining('its cap'),
    });
    // Updating one that is tracked is still allowed at the cap.
    await expect(a.presence.track('room:1', 'u2', { name: 'Bobby' })).resolves.toMatch(/^a\./);
  });

  it('refuses calls before start and after stop', async () => {
    const a = node('a');
    await expect(a.presence.list('room:1')).rejects.toMatchObject({ code: ErrorCode.NotStarted });
    await a.start();
    await a.stop();
    await expect(a.presence.track('room:1', 'u1', { name: 'Ann' })).rejects.toMatchObject({
      code: ErrorCode.NotStarted,
    });
  });

  it('refuses presence calls when presence is off, and bad settings at createBus', async () => {
    const a = node('a', { presence: false });
    await a.start();
    expect(a.presence.enabled).toBe(false);
    await expect(a.presence.list('room:1')).rejects.toMatchObject({
      code: ErrorCode.ConfigInvalid,
      message: expect.stringContaining('presence is off'),
    });
    expect(() => node('b', { presence: { heartbeatMs: 500, downAfterMs: 800 } })).toThrow(
      /presence.downAfterMs 800 is invalid/,
    );
    expect(() => node('c', { presence: { maxPresences: 0 } })).toThrow(/maxPresences/);
  });
});
