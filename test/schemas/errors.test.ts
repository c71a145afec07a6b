/**
 * Registry mistakes surface at definition time, and the errors a user meets first say what to
 * fix (issue 15): REGISTRY_INVALID for schemas TypeBox did not build, INVALID_PARAMS naming the
 * parameter inside a topic string, union values listed, issue counts, did-you-mean, and no
 * `topic: undefined` in a logged error.
 */
import { inspect } from 'node:util';
import { type TSchema, Type } from '@sinclair/typebox';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type Bus,
  createBus,
  createLocalHub,
  defineTopics,
  ErrorCode,
  event,
  type HeraldError,
  RegistryError,
  topic,
  ValidationError,
} from '../../src/index.js';
import { keys } from '../fixtures/registry.js';

/** Runs `fn` and returns what it threw. */
function thrown(fn: () => unknown): HeraldError {
  try {
    fn();
  } catch (error) {
    return error as HeraldError;
  }
  throw new Error('expected a throw');
}

/** A registry whose one event has `schema` as its payload schema. */
const withPayload = (schema: unknown) => () =>
  defineTopics({
    order: topic('order:{orderId}', { events: { created: event(schema as TSchema) } }),
  });

describe('defineTopics refuses schemas TypeBox did not build', () => {
  it('refuses the properties without Type.Object, naming topic, event and the fix', () => {
    const error = thrown(withPayload({ customerId: Type.String(), total: Type.Number() }));
    expect(error).toBeInstanceOf(RegistryError);
    expect(error).toMatchObject({
      code: ErrorCode.RegistryInvalid,
      topic: 'order:{orderId}',
      event: 'created',
    });
    expect(error.message).toContain('Type.Object is missing');
    expect(error.hint).toBe(
      'wrap the properties in Type.Object: event(Type.Object({ customerId: ..., total: ... }))',
    );
  });

  it('refuses a plain JSON Schema object', () => {
    const error = thrown(
      withPayload({ type: 'object', properties: { id: { type: 'string' } }, required: ['id'] }),
    );
    expect(error).toMatchObject({ code: ErrorCode.RegistryInvalid, event: 'created' });
    expect(error.message).toContain('is a plain JSON Schema, not a TypeBox schema');
    expect(error.hint).toContain('write it with TypeBox');
  });

  it('refuses a Type.Ref to a schema it does not contain, before any publish', () => {
    const error = thrown(withPayload(Type.Ref('Customer')));
    expect(error).toMatchObject({ code: ErrorCode.RegistryInvalid, event: 'created' });
    expect(error.message).toContain('refers to "Customer" (Type.Ref)');
  });

  it('accepts recursive TypeBox schemas, whose references resolve inside them', () => {
    const Node = Type.Recursive((self) =>
      Type.Object({ id: Type.String(), children: Type.Array(self) }),
    );
    expect(withPayload(Node)().entries).toHaveLength(1);
  });

  it('refuses a malformed later version, naming the version', () => {
    const error = thrown(() =>
      defineTopics({
        order: topic('order:{orderId}', {
          events: {
            created: event(Type.Object({ id: Type.String() })).evolve(
              { id: Type.String() } as unknown as TSchema,
              { upcast: (v) => v },
            ),
          },
        }),
      }),
    );
    expect(error).toMatchObject({ code: ErrorCode.RegistryInvalid, event: 'created' });
    expect(error.message).toContain('of event "created" version 2');
  });

  it('refuses a plain JSON Schema as a presence or parameter schema', () => {
    const presence = thrown(() =>
      defineTopics({
        room: topic('room:{id}', {
          events: { joined: event(Type.Object({})) },
          presence: { type: 'object' } as unknown as TSchema,
        }),
      }),
    );
    expect(presence).toMatchObject({ code: ErrorCode.RegistryInvalid, topic: 'room:{id}' });
    expect(presence.hint).toContain('presence: Type.Object');
    const param = thrown(() =>
      defineTopics({
        room: topic('room:{id}', {
          params: { id: { type: 'string' } as unknown as TSchema },
          events: { joined: event(Type.Object({})) },
        }),
      }),
    );
    expect(param).toMatchObject({ code: ErrorCode.RegistryInvalid, field: 'id' });
  });
});

const registry = defineTopics({
  order: topic('order:{orderId}', {
    params: { orderId: Type.String({ pattern: '^[0-9]+$' }) },
    events: {
      created: event(
        Type.Object({
          method: Type.Union([Type.Literal('card'), Type.Literal('cash')]),
          customerId: Type.String(),
          total: Type.Number(),
        }),
      ),
      shipped: event(Type.Object({ carrier: Type.String() })),
    },
  }),
  shard: topic('shard:{n}:jobs', {
    params: { n: Type.Integer() },
    events: { done: event(Type.Object({})) },
  }),
});
type Defs = typeof registry.defs;

describe('errors at publish and subscribe', () => {
  let bus: Bus<Defs>;
  afterEach(() => bus?.stop());
  const started = async () => {
    bus = createBus({ registry, keys, transport: createLocalHub().transport(), log: false });
    await bus.start();
    return bus;
  };
  // Strings the type system would refuse, as a JavaScript caller or a config file sends them.
  const loose = (b: Bus<Defs>) =>
    b as unknown as {
      broadcast(topic: string, event: string, payload: unknown): Promise<unknown>;
      subscribe(topic: string, handler: () => void): Promise<unknown>;
    };

  it('names the parameter of a topic string that fails its schema: INVALID_PARAMS, not UNKNOWN_TOPIC', async () => {
    const b = loose(await started());
    const error = (await b
      .broadcast('order:ORD-1', 'shipped', { carrier: 'ups' })
      .catch((e: unknown) => e)) as ValidationError;
    expect(error).toBeInstanceOf(ValidationError);
    expect(error).toMatchObject({
      code: ErrorCode.InvalidParams,
      field: 'orderId',
      topic: 'order:{orderId}',
    });
    expect(error.message).toContain(
      'parameter "orderId" of topic "order:{orderId}" is invalid: "ORD-1"',
    );
    expect(error.issues[0]?.path).toBe('/orderId');
    await expect(b.subscribe('order:ORD-1', () => undefined)).rejects.toMatchObject({
      code: ErrorCode.InvalidParams,
      field: 'orderId',
    });
    await expect(b.broadcast('shard:1.5:jobs', 'done', {})).rejects.toMatchObject({
      code: ErrorCode.InvalidParams,
      field: 'n',
    });
    await expect(b.broadcast('shard::jobs', 'done', {})).rejects.toThrow(
      'parameter "n" of topic "shard:{n}:jobs" is empty',
    );
  });

  it('lists the allowed values of a union', async () => {
    const b = loose(await started());
    const error = (await b
      .broadcast('order:1', 'created', { method: 'cheque', customerId: 'c', total: 1 })
      .catch((e: unknown) => e)) as ValidationError;
    expect(error.code).toBe(ErrorCode.InvalidPayload);
    expect(error.message).toContain('/method Expected one of: "card", "cash"');
    expect(error.issues).toEqual([
      { path: '/method', keyword: 'union', message: 'Expected one of: "card", "cash"' },
    ]);
  });

  it('says how many more issues there are, and reports a missing property once', async () => {
    const b = loose(await started());
    const error = (await b
      .broadcast('order:1', 'created', {})
      .catch((e: unknown) => e)) as ValidationError;
    expect(error.issues.map((i) => i.path)).toEqual(['/method', '/customerId', '/total']);
    expect(error.message).toContain('is invalid: /method Expected required property (and 2 more)');
  });

  it('suggests the topic meant, and lists the templates', async () => {
    const b = loose(await started());
    const error = (await b
      .broadcast('ordr:1', 'created', {})
      .catch((e: unknown) => e)) as HeraldError;
    expect(error.code).toBe(ErrorCode.UnknownTopic);
    expect(error.message).toContain(
      '"ordr:1" matches no topic in the registry; did you mean "order:1"?',
    );
    expect(error.hint).toBe('declared templates: order:{orderId}, shard:{n}:jobs');
    const far = (await b.broadcast('payments:1', 'x', {}).catch((e: unknown) => e)) as HeraldError;
    expect(far.message).not.toContain('did you mean');
    expect(() => registry.topic('ordr' as 'order', { orderId: '1' })).toThrow(
      'did you mean "order"?',
    );
  });

  it('suggests the event meant, and lists the events', async () => {
    const b = loose(await started());
    const error = (await b
      .broadcast('order:1', 'shiped', {})
      .catch((e: unknown) => e)) as HeraldError;
    expect(error).toMatchObject({ code: ErrorCode.UnknownEvent, event: 'shiped' });
    expect(error.message).toContain('has no event "shiped"; did you mean "shipped"?');
    expect(error.hint).toBe('its events: created, shipped');
  });

  it('never prints a context field it does not have', async () => {
    const b = loose(await started());
    const error = (await b
      .broadcast('ordr:1', 'created', {})
      .catch((e: unknown) => e)) as HeraldError;
    const printed = inspect(error);
    expect(printed).toContain("topic: 'ordr:1'");
    expect(printed).not.toContain('undefined');
    expect('event' in error).toBe(false);
    expect(error.event).toBeUndefined();
  });
});
