/**
 * Template subscriptions on the in-process transport: the bus side (resolution, dispatch, once
 * per subscription, typed params, errors). The conformance suite runs the transport side on every
 * transport (src/testing/conformance-templates.ts).
 */
import { afterEach, describe, expect, expectTypeOf, it } from 'vitest';
import { type Bus, createBus, createLocalHub, ErrorCode, isHeraldError } from '../../src/index.js';
import { testKeys } from '../../src/testing/keys.js';
import { type TestTopics, testRegistry } from '../../src/testing/registry.js';

const buses: Bus<TestTopics>[] = [];
async function pair(): Promise<[Bus<TestTopics>, Bus<TestTopics>]> {
  const hub = createLocalHub();
  const make = (nodeId: string) =>
    createBus({ registry: testRegistry, keys: testKeys(), nodeId, transport: hub.transport() });
  const a = make('a');
  const b = make('b');
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
});
