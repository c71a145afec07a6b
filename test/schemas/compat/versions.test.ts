/**
 * Declaring versions: `event(schema).evolve(next, { upcast })`, its types (checked by tsc, which
 * runs over the tests), the history it builds, the modes, and the mistakes `defineTopics` refuses.
 */
import { type Static, Type } from '@sinclair/typebox';
import { describe, expect, expectTypeOf, it } from 'vitest';
import {
  defineTopics,
  type EventDef,
  event,
  type PayloadOf,
  RegistryError,
  topic,
} from '../../../src/index.js';
import { eventMode } from '../../../src/schema-tools.js';
import { createEventReader } from '../../../src/schemas/upgrade.js';

const V1 = Type.Object({ orderId: Type.String(), note: Type.Optional(Type.String()) });
const V2 = Type.Object({
  orderId: Type.String(),
  note: Type.Optional(Type.String()),
  carrier: Type.String(),
});
const V3 = Type.Object({ orderId: Type.String(), carrier: Type.String() });

describe('event(...).evolve(...)', () => {
  const statusUpdated = event(V1, { description: 'status' })
    .evolve(V2, { upcast: (v1) => ({ ...v1, carrier: 'unknown' }) })
    .evolve(V3);

  it("builds an ordered history whose last version is the event's schema", () => {
    expect(statusUpdated.version).toBe(3);
    expect(statusUpdated.schema).toBe(V3);
    expect(statusUpdated.versions.map((v) => [v.version, v.schema, typeof v.upcast])).toEqual([
      [1, V1, 'undefined'],
      [2, V2, 'function'],
      [3, V3, 'undefined'],
    ]);
    expect(statusUpdated.description).toBe('status');
  });

  it('types payloads by the latest version, and each upcaster by its two versions', () => {
    const registry = defineTopics({
      order: topic('order:{orderId}', { events: { status_updated: statusUpdated } }),
    });
    expectTypeOf<PayloadOf<typeof registry.defs.order, 'status_updated'>>().toEqualTypeOf<
      Static<typeof V3>
    >();
    expectTypeOf(statusUpdated).toEqualTypeOf<EventDef<typeof V3>>();
    event(V1).evolve(V2, {
      upcast: (v1) => {
        expectTypeOf(v1).toEqualTypeOf<Static<typeof V1>>();
        return { ...v1, carrier: 'x' };
      },
    });
  });

  it('asks for an upcaster exactly when an old value is not a new value', () => {
    // @ts-expect-error version 1 values lack `carrier`: an upcaster is required
    event(V1).evolve(V2);
    // @ts-expect-error the upcaster must return a version 2 value
    event(V1).evolve(V2, { upcast: (v1) => v1 });
    // Dropping a field: every version 2 value is a version 3 value.
    event(V2).evolve(V3);
    expect(event(V2).evolve(V3).versions[1]?.upcast).toBeUndefined();
  });

  it('keeps event(schema, { version }) for a single version', () => {
    const single = event(V3, { version: 4 });
    expect(single.versions).toEqual([{ version: 4, schema: V3, upcast: undefined }]);
    expect(single.evolve(Type.Object({ orderId: Type.String() })).version).toBe(5);
  });

  it('runs the declared upcasters when a consumer reads an older version', () => {
    const registry = defineTopics({
      order: topic('order:{orderId}', { events: { status_updated: statusUpdated } }),
    });
    const entry = registry.entry('order')!;
    const reader = createEventReader(entry, entry.events.get('status_updated')!);
    expect(reader.read(1, { orderId: 'a', note: 'n' })).toEqual({
      ok: true,
      payload: { orderId: 'a', note: 'n', carrier: 'unknown' },
    });
    expect(reader.read(3, { orderId: 'a', carrier: 'DHL' })).toEqual({
      ok: true,
      payload: { orderId: 'a', carrier: 'DHL' },
    });
    expect(reader.read(1, { note: 'n' })).toMatchObject({
      ok: false,
      reason: 'invalid_payload',
      field: '/orderId',
    });
  });

  it('validates older versions with the checks codegen precompiled for them', () => {
    const registry = defineTopics({
      order: topic('order:{orderId}', { events: { status_updated: statusUpdated } }),
    });
    const entry = registry.entry('order')!;
    const seen: unknown[] = [];
    const reader = createEventReader(entry, entry.events.get('status_updated')!, {
      'order.status_updated@1': (value) => {
        seen.push(value);
        return false;
      },
    });
    expect(reader.read(1, { orderId: 'a' })).toMatchObject({
      ok: false,
      reason: 'invalid_payload',
    });
    expect(seen).toEqual([{ orderId: 'a' }]);
  });
});

describe('compatibility modes', () => {
  it("defaults to BACKWARD_TRANSITIVE, under the topic's mode and the event's own", () => {
    const registry = defineTopics({
      a: topic('a:{id}', {
        events: { plain: event(V1), own: event(V1, { compatibility: 'FULL' }) },
      }),
      b: topic('b:{id}', { compatibility: 'FORWARD', events: { plain: event(V1) } }),
    });
    const mode = (key: string, name: string) => {
      const entry = registry.entry(key)!;
      return eventMode(entry.events.get(name)!.def, entry.def);
    };
    expect([mode('a', 'plain'), mode('a', 'own'), mode('b', 'plain')]).toEqual([
      'BACKWARD_TRANSITIVE',
      'FULL',
      'FORWARD',
    ]);
  });
});

describe('mistakes defineTopics refuses', () => {
  const refuse = (ev: unknown): RegistryError => {
    try {
      defineTopics({ a: topic('a:{id}', { events: { e: ev as EventDef } }) });
    } catch (error) {
      return error as RegistryError;
    }
    throw new Error('defineTopics accepted it');
  };

  it.each([
    [
      'a version that jumps',
      {
        ...event(V1),
        versions: [
          { version: 1, schema: V1 },
          { version: 3, schema: V2 },
        ],
        version: 3,
        schema: V2,
      },
      'event "e" on topic "a:{id}" jumps from version 1 to 3',
    ],
    ['version 0', event(V1, { version: 0 }), 'event "e" on topic "a:{id}" has version 0'],
    [
      'an upcaster that is not a function',
      {
        ...event(V1).evolve(V2, { upcast: (v) => ({ ...v, carrier: '' }) }),
        versions: [
          { version: 1, schema: V1 },
          { version: 2, schema: V2, upcast: 'no' },
        ],
      },
      'event "e" on topic "a:{id}" has an invalid upcaster for version 2',
    ],
    [
      'an unknown mode',
      event(V1, { compatibility: 'SOMETIMES' as never }),
      'event "e" on topic "a:{id}" has compatibility "SOMETIMES"',
    ],
  ])('refuses %s', (_, ev, message) => {
    const error = refuse(ev);
    expect(error).toBeInstanceOf(RegistryError);
    expect(error.code).toBe('REGISTRY_INVALID');
    expect(error.message.split('\n')[0]).toBe(message);
    expect(error.hint).toBeTruthy();
  });
});
