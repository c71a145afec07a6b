/**
 * Template subscriptions on the in-process transport: the bus side (resolution, dispatch, once
 * per subscription, typed params, errors). The conformance suite runs the transport side on every
 * transport (src/testing/conformance-templates.ts).
 */

import { createHash } from 'node:crypto';
import { afterEach, describe, expect, expectTypeOf, it } from 'vitest';
import {
  type Bus,
  createBus,
  createLocalHub,
  ErrorCode,
  isHeraldError,
  type KeyConfig,
} from '../../src/index.js';
import { testKeys } from '../../src/testing/keys.js';
import { type TestTopics, testRegistry } from '../../src/testing/registry.js';

const buses: Bus<TestTopics>[] = [];
async function pair(
  keysA: KeyConfig = testKeys(),
  keysB: KeyConfig = testKeys(),
): Promise<[Bus<TestTopics>, Bus<TestTopics>]> {
  const hub = createLocalHub();
  const make = (nodeId: string, keys: KeyConfig) =>
    createBus({ registry: testRegistry, keys, nodeId, transport: hub.transport() });
  const a = make('a', keysA);
  const b = make('b', keysB);
  buses.push(a, b);
  await Promise.all([a.start(), b.start()]);
  return [a, b];
}
afterEach(async () => {
  await Promise.all(buses.splice(0).map((b) => b.stop()));
});
const settle = () => new Promise((resolve) => setTimeout(resolve, 20));
const note = (n: number) => ({ n, from: 'a', text: `n${n}` });

describe('template subscriptions', () => {
  it('receive every concrete topic of the template, with its params, local and remote', async () => {
    const [a, b] = await pair();
    const seen: [string, string, boolean][] = [];
    await b.subscribe('herald-test-feed:{run}:{item}', (m) => {
      expectTypeOf(m.params).toEqualTypeOf<{ readonly run: string; readonly item: string }>();
      seen.push([m.topic, m.params.item, m.meta.local]);
    });
    await a.broadcast('herald-test-feed:r1:x', 'posted', note(1));
    await b.broadcast('herald-test-feed:r2:y', 'posted', note(2));
    await settle();
    expect(seen).toEqual([
      ['herald-test-feed:r2:y', 'y', true],
      ['herald-test-feed:r1:x', 'x', false],
    ]);
  });

  it('give a message once to a template and once to a concrete subscription on the same bus', async () => {
    const [a, b] = await pair();
    const viaTemplate: number[] = [];
    const viaTopic: number[] = [];
    await b.subscribe('herald-test-feed:{run}:{item}', (m) => void viaTemplate.push(m.payload.n), {
      events: ['posted'],
    });
    await b.subscribe('herald-test-feed:r:x', (m) => void viaTopic.push(m.payload.n), {
      events: ['posted'],
    });
    await a.broadcast('herald-test-feed:r:x', 'posted', note(1));
    await a.broadcast('herald-test-feed:r:y', 'posted', note(2));
    await settle();
    expect(viaTemplate).toEqual([1, 2]);
    expect(viaTopic).toEqual([1]);
    expect(b.stats().rejectedTotal).toBe(0);
  });

  it('refuse the template of a topic not declared wildcard, naming the fix', async () => {
    const [, b] = await pair();
    const error = await b.subscribe('herald-test:{run}:{name}', () => undefined).catch((e) => e);
    expect(isHeraldError(error) && error.code).toBe(ErrorCode.ConfigInvalid);
    expect(String(error.hint)).toContain('wildcard: true');
  });

  it('work with subscribeBatch and stream, each with typed params', async () => {
    const [a, b] = await pair();
    const batches: string[][] = [];
    await b.subscribeBatch(
      'herald-test-feed:{run}:{item}',
      (messages) => void batches.push(messages.map((m) => m.params.item)),
      { batch: { max: 2, maxWaitMs: 5 } },
    );
    const stream = b.stream('herald-test-feed:{run}:{item}');
    for (const item of ['p', 'q', 'r'])
      await a.broadcast(`herald-test-feed:r:${item}`, 'posted', note(1));
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(batches.flat()).toEqual(['p', 'q', 'r']);
    const items: string[] = [];
    for await (const m of stream) {
      expectTypeOf(m.params.run).toEqualTypeOf<string>();
      items.push(m.params.item);
      if (items.length === 3) break;
    }
    expect(items).toEqual(['p', 'q', 'r']);
    expect(b.subscriberCount('herald-test-feed:{run}:{item}')).toBe(1);
  });

  it('a publisher key scoped to one topic publishes only there, and a template subscription never receives what a scope refuses', async () => {
    const secret = `base64url:${createHash('sha256').update('templates scope test').digest('base64url')}`;
    const scoped: KeyConfig = {
      keys: [{ kid: 'orders', secret, scopes: ['herald-test-feed:r:x'] }],
    };
    const unscoped: KeyConfig = { keys: [{ kid: 'orders', secret }] };
    // a signs with the key unscoped (a misconfigured or compromised node); b enforces the scope.
    const [a, b] = await pair(unscoped, scoped);
    const seen: string[] = [];
    await b.subscribe('herald-test-feed:{run}:{item}', (m) => void seen.push(m.topic));
    await a.broadcast('herald-test-feed:r:x', 'posted', note(1));
    await a.broadcast('herald-test-feed:r:y', 'posted', note(2));
    await settle();
    expect(seen).toEqual(['herald-test-feed:r:x']);
    expect(b.stats().rejected.forbidden_topic).toBe(1);
    // On the publishing side, the scoped key refuses the other topic before anything is sent.
    const error = await b.broadcast('herald-test-feed:r:y', 'posted', note(3)).catch((e) => e);
    expect(isHeraldError(error) && error.code).toBe(ErrorCode.ForbiddenTopic);
  });

  it('refuse a topic whose parameter is written like a template parameter', async () => {
    const [a] = await pair();
    // A partial template is neither a concrete topic nor the template: its `{item}` is refused.
    const partial = a.subscribe('herald-test-feed:r:{item}', () => undefined).catch((e) => e);
    expect(isHeraldError(await partial) && (await partial).code).toBe(ErrorCode.InvalidParams);
  });
});

describe('the typed client', () => {
  it('subscribes to a wildcard topic of the catalogue by template, with typed params', async () => {
    const { catalog } = await import('../../src/catalog/index.js');
    const { createClient } = await import('../../src/catalog/generated/client.js');
    const hub = createLocalHub();
    const make = (nodeId: string) =>
      createBus({ registry: catalog, keys: testKeys(), nodeId, transport: hub.transport() });
    const a = make('a');
    const b = make('b');
    await Promise.all([a.start(), b.start()]);
    try {
      const seen: string[] = [];
      const client = createClient(b);
      expect(client.nodeHealth.template).toBe('health:node:{node}');
      await client.nodeHealth.subscribeAll((m) => {
        expectTypeOf(m.params.node).toEqualTypeOf<string>();
        seen.push(`${m.params.node}:${m.payload.status}`);
      });
      const health = (node: string) => ({
        node,
        timestamp: new Date().toISOString(),
        status: 'healthy' as const,
        uptimeSeconds: 1,
        memory: { rss: 1, heapUsed: 1, heapTotal: 1, external: 1 },
        checks: [],
      });
      await createClient(a).nodeHealth.status.publish({ node: 'n1' }, health('n1'));
      await createClient(a).nodeHealth.status.publish({ node: 'n2' }, health('n2'));
      await settle();
      expect(seen).toEqual(['n1:healthy', 'n2:healthy']);
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
  });
});
