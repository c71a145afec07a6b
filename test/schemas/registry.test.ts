import { Type } from '@sinclair/typebox';
import { describe, expect, it } from 'vitest';
import { defineTopics, ErrorCode, event, RegistryError, rawTopic, topic } from '../../src/index.js';

const ok = event(Type.Object({ a: Type.String() }));
const refusal = (fn: () => unknown): RegistryError => {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(RegistryError);
    expect((error as RegistryError).code).toBe(ErrorCode.RegistryInvalid);
    return error as RegistryError;
  }
  throw new Error('expected a RegistryError');
};

describe('defineTopics', () => {
  it('accepts hierarchical templates with typed parameters', () => {
    const registry = defineTopics({
      team: topic('org:{orgId}:team:{teamId}', { events: { joined: ok } }),
      project: topic('project:{id}:tasks', {
        params: { id: Type.Integer({ minimum: 1 }) },
        events: { added: ok },
      }),
    });
    expect(registry.topic('team', { orgId: 'acme', teamId: 'core' })).toBe('org:acme:team:core');
    expect(registry.topic('project', { id: 42 })).toBe('project:42:tasks');
    expect(registry.resolve('org:acme:team:core')?.params).toEqual({
      orgId: 'acme',
      teamId: 'core',
    });
    expect(registry.resolve('project:42:tasks')?.entry.key).toBe('project');
    expect(registry.resolve('project:0:tasks')).toBeUndefined();
    expect(registry.resolve('project:4.2:tasks')).toBeUndefined();
    expect(registry.resolve('org:acme:team')).toBeUndefined();
  });

  it.each([
    ['', 'is empty'],
    ['room::x', 'empty segment'],
    ['room:', 'empty segment'],
    ['{room}:x', 'starts with a parameter'],
    ['room:{1d}', 'malformed parameter'],
    ['room:{a}:{a}', 'repeats the parameter "a"'],
    ['user_{id}', 'mixes a parameter'],
    ['room:{id', 'malformed parameter'],
    ['ro om', 'characters outside'],
  ])('refuses the malformed template %j and says why', (template, why) => {
    const error = refusal(() => defineTopics({ t: topic(template, { events: { e: ok } }) }));
    expect(error.message).toContain(why);
    expect(error.hint).toBeTruthy();
    expect(error.topic).toBe(template);
  });

  it('refuses a topic declared twice', () => {
    const error = refusal(() =>
      defineTopics({
        a: topic('room:{id}', { events: { e: ok } }),
        b: topic('room:{id}', { events: { e: ok } }),
      }),
    );
    expect(error.message).toContain('declared twice');
  });

  it('refuses templates that one concrete topic could match both', () => {
    const error = refusal(() =>
      defineTopics({
        a: topic('room:{id}', { events: { e: ok } }),
        b: topic('room:lobby', { events: { e: ok } }),
      }),
    );
    expect(error.message).toContain('overlaps');
  });

  it('refuses parameter schemas that do not match the template', () => {
    const error = refusal(() =>
      defineTopics({
        // @ts-expect-error: "roomid" is not a parameter of the template
        a: topic('room:{roomId}', { params: { roomid: Type.String() }, events: { e: ok } }),
      }),
    );
    expect(error.message).toContain('"roomid", which is not a parameter');
    expect(error.hint).toContain('roomId');
  });

  it('refuses parameter types that cannot appear in a topic', () => {
    const error = refusal(() =>
      defineTopics({
        a: topic('room:{roomId}', {
          params: { roomId: Type.Object({}) as never },
          events: { e: ok },
        }),
      }),
    );
    expect(error.message).toContain('has type "object"');
  });

  it.each(['1st', 'with-dash', 'has space', '__proto__', 'presence_diff'])(
    'refuses the event name %j',
    (name) => {
      const error = refusal(() =>
        defineTopics({ a: topic('room:{id}', { events: { [name]: ok } }) }),
      );
      expect(error.event).toBe(name);
    },
  );

  it('refuses keys that are not identifiers, versions below 1, and topics without events', () => {
    refusal(() => defineTopics({ 'a-b': topic('room:{id}', { events: { e: ok } }) }));
    refusal(() =>
      defineTopics({
        a: topic('room:{id}', { events: { e: event(Type.Object({}), { version: 0 }) } }),
      }),
    );
    const empty = refusal(() => defineTopics({ a: topic('room:{id}', { events: {} }) }));
    expect(empty.hint).toContain('rawTopic');
  });

  it('declares raw topics without events', () => {
    const registry = defineTopics({ legacy: rawTopic('legacy:{name}') });
    expect(registry.entry('legacy')?.def.raw).toBe(true);
  });

  it('refuses parameter values that would break the topic', () => {
    const registry = defineTopics({ a: topic('room:{id}', { events: { e: ok } }) });
    expect(() => registry.topic('a', { id: 'x:y' })).toThrow(/contains ":"/);
    expect(() => registry.topic('a', { id: '' })).toThrow(/is invalid/);
    expect(() => registry.topic('a', {} as { id: string })).toThrow(/missing the parameter "id"/);
    expect(() => registry.topic('a', { id: 'x', extra: 1 } as { id: string })).toThrow(
      /has no parameter "extra"/,
    );
  });
});
