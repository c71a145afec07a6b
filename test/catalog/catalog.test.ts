/**
 * The operations catalogue: its declarations, and realistic valid and invalid payloads for every
 * event, checked with the validators the registry compiled.
 */
import type { TSchema } from '@sinclair/typebox';
import { describe, expect, it } from 'vitest';
import { catalog, severities } from '../../src/catalog/index.js';
import { ErrorCode, ValidationError } from '../../src/errors.js';
import { mistakes } from './mistakes.js';
import { samples } from './samples.js';

const allEvents = catalog.entries.flatMap((entry) =>
  [...entry.events.values()].map((ev) => ({ topic: entry.key, entry, ev })),
);

function sampleOf(topic: string, event: string): Record<string, unknown> {
  const byEvent = (samples as Record<string, Record<string, unknown> | undefined>)[topic];
  const payload = byEvent?.[event];
  if (payload === undefined) throw new Error(`no sample for ${topic}.${event}`);
  return structuredClone(payload) as Record<string, unknown>;
}

function validatorOf(topic: string, event: string) {
  const ev = catalog.entry(topic)?.events.get(event);
  if (!ev) throw new Error(`no event ${topic}.${event} in the catalogue`);
  return ev.validator;
}

describe('the catalogue declaration', () => {
  it('covers every operations domain with the expected topics', () => {
    expect(catalog.entries.map((e) => e.def.template)).toEqual([
      'system:{node}',
      'health:node:{node}',
      'health:cluster',
      'metrics:{component}',
      'alerts:{severity}',
      'audit',
      'security',
      'diagnostics:{node}',
      'lifecycle:{node}',
      'logging:{node}',
    ]);
    expect(catalog.info).toMatchObject({ title: 'Herald operations catalogue', version: '1.0.0' });
    expect(catalog.info.description).toMatch(/health/);
  });

  it('gives every topic and event a description, and every event version 1 but the two health reports', () => {
    expect(allEvents.length).toBe(22);
    // Node and cluster health gained optional fields for the operations broadcaster (herald/ops).
    const second = new Set(['nodeHealth.status', 'clusterHealth.status']);
    for (const { entry, ev } of allEvents) {
      const name = `${entry.key}.${ev.name}`;
      expect(entry.def.description, entry.key).toMatch(/\w{3,}/);
      expect(ev.def.description, name).toMatch(/\w{3,}/);
      expect(ev.def.version, name).toBe(second.has(name) ? 2 : 1);
      expect(ev.def.deprecated).toBe(false);
    }
  });

  it('closes every event payload and requires an ISO-8601 time in it', () => {
    for (const { entry, ev } of allEvents) {
      const name = `${entry.key}.${ev.name}`;
      const schema = ev.def.schema as TSchema;
      expect(schema.type, name).toBe('object');
      expect(schema.additionalProperties, name).toBe(false);
      const properties = schema.properties as Record<string, TSchema>;
      const times = (schema.required as string[]).filter(
        (key) => properties[key]?.format === 'date-time',
      );
      expect(times.length, name).toBeGreaterThan(0);
    }
  });

  it('builds concrete topics from typed parameters', () => {
    expect(catalog.topic('system', { node: 'api-1' })).toBe('system:api-1');
    expect(catalog.topic('nodeHealth', { node: 'api-1' })).toBe('health:node:api-1');
    expect(catalog.topic('clusterHealth', {})).toBe('health:cluster');
    expect(catalog.topic('metrics', { component: 'db.pool' })).toBe('metrics:db.pool');
    expect(severities.map((severity) => catalog.topic('alerts', { severity }))).toContain(
      'alerts:critical',
    );
  });

  it('refuses an alert topic for a severity outside RFC 5424', () => {
    let error: unknown;
    try {
      catalog.topic('alerts', { severity: 'urgent' });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ValidationError);
    expect(error).toMatchObject({ code: ErrorCode.InvalidParams, field: 'severity' });
    expect(catalog.resolve('alerts:urgent')).toBeUndefined();
    expect(catalog.resolve('alerts:emergency')?.entry.key).toBe('alerts');
  });

  it('maps concrete topics back to exactly one topic', () => {
    expect(catalog.resolve('health:cluster')?.entry.key).toBe('clusterHealth');
    expect(catalog.resolve('health:node:db-2')?.params).toEqual({ node: 'db-2' });
    expect(catalog.resolve('audit')?.entry.key).toBe('audit');
    expect(catalog.resolve('logging:api-1')?.entry.key).toBe('logging');
    expect(catalog.resolve('metrics:bad name')).toBeUndefined();
  });
});

describe('realistic payloads', () => {
  it.each(allEvents.map(({ topic, ev }) => [`${topic}.${ev.name}`, topic, ev.name] as const))(
    'accepts a realistic %s',
    (_name, topic, event) => {
      const payload = sampleOf(topic, event);
      const validator = validatorOf(topic, event);
      expect(validator.errors(payload)).toEqual([]);
      expect(validator.check(payload)).toBe(true);
    },
  );

  it('has at least one refused mistake for every event', () => {
    const covered = new Set(mistakes.map((m) => `${m.topic}.${m.event}`));
    for (const { topic, ev } of allEvents)
      expect(covered, `${topic}.${ev.name}`).toContain(`${topic}.${ev.name}`);
  });

  it.each(mistakes.map((m) => [`${m.topic}.${m.event}`, m.what, m] as const))(
    'refuses a %s with %s, naming the field',
    (_name, _what, m) => {
      const payload = sampleOf(m.topic, m.event);
      m.apply(payload);
      const validator = validatorOf(m.topic, m.event);
      expect(validator.check(payload)).toBe(false);
      const paths = validator.errors(payload).map((issue) => issue.path);
      expect(paths).toContain(m.path);
    },
  );
});
