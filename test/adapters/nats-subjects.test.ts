/**
 * The channel → subject mapping of docs/transports/nats.md "Subjects (normative)": the examples
 * of the spec, reversibility, no collisions, and only valid literal NATS subjects (property
 * tests over arbitrary strings, surrogates and `:` included).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  channelOf,
  escapeToken,
  natsTenantPrefix,
  subjectOf,
  templatePattern,
} from '../../src/adapters/nats/subjects.js';

const VALID_SUBJECT = /^[A-Za-z0-9_~-]+(\.[A-Za-z0-9_~-]+)*$/;

describe('nats subjects', () => {
  it('maps the examples of the spec', () => {
    expect(subjectOf('herald', 'room:42')).toBe('herald.room.42');
    expect(subjectOf('herald', '$node:n1')).toBe('herald.~0024node.n1');
    expect(subjectOf('herald', 'a.b:*')).toBe('herald.a~002eb.~002a');
    expect(subjectOf('herald', 'a::b')).toBe('herald.a.~.b');
    expect(escapeToken('~')).toBe('~007e');
    expect(natsTenantPrefix('acme.eu', 'herald')).toBe('herald.t.acme~002eeu');
  });

  it('derives a long subject from a hash, never equal to a mapped one', () => {
    const long = 'x'.repeat(2000);
    const subject = subjectOf('herald', long);
    expect(subject).toMatch(/^herald\.~h\.[0-9a-f]{32}$/);
    expect(channelOf('herald', subject)).toBeUndefined();
  });

  it('is reversible, collision-free and yields valid literal subjects', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 40 }), (channel) => {
        const subject = subjectOf('p', channel);
        expect(subject).toMatch(VALID_SUBJECT);
        expect(subject.split('.').every((t) => t !== '*' && t !== '>')).toBe(true);
        expect(channelOf('p', subject)).toBe(channel);
      }),
      { numRuns: 500 },
    );
    fc.assert(
      fc.property(fc.string({ maxLength: 12 }), fc.string({ maxLength: 12 }), (a, b) => {
        fc.pre(a !== b);
        expect(subjectOf('p', a)).not.toBe(subjectOf('p', b));
      }),
      { numRuns: 500 },
    );
  });

  it('maps a template to NATS wildcards, one token per parameter segment', () => {
    expect(templatePattern('herald', 'room:{roomId}')).toBe('herald.room.*');
    expect(templatePattern('herald', 'shard:{shard}:jobs')).toBe('herald.shard.*.jobs');
    expect(templatePattern('herald', 'health:node:{node}')).toBe('herald.health.node.*');
    // A segment mixing text and a parameter matches more; the bus keeps the template's topics.
    expect(templatePattern('herald', 'user-{id}:feed')).toBe('herald.*.feed');
    expect(templatePattern('herald', `${'a'.repeat(1100)}:{id}`)).toBeUndefined();
  });
});
