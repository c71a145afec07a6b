/**
 * The small registry the conformance suite and the test helpers publish on: a typed topic with
 * two events, a topic for large payloads, and a raw topic. Every topic carries a `run` parameter,
 * so runs that share one Redis or PostgreSQL never see each other's messages.
 */
import { randomBytes } from 'node:crypto';
import { Type } from '@sinclair/typebox';
import { defineTopics, event, rawTopic, topic } from '../schemas/define.js';

/**
 * Topics for tests: `note` (typed), `blob` (large payloads), `feed` (declared `wildcard`: for
 * template subscriptions) and `raw` (unvalidated).
 */
export const testRegistry = defineTopics(
  {
    note: topic('herald-test:{run}:{name}', {
      description:
        'Typed test messages: a numbered note, and a fence that marks the end of a batch.',
      params: { run: Type.String({ pattern: '^[A-Za-z0-9_-]{1,40}$' }) },
      events: {
        posted: event(
          Type.Object({
            n: Type.Integer({ minimum: 0 }),
            from: Type.String(),
            text: Type.String(),
          }),
          { description: 'A numbered note from one node.' },
        ),
        fence: event(Type.Object({ id: Type.String() }), {
          description: 'Published after a batch; once it arrives, every earlier message has too.',
        }),
      },
    }),
    blob: topic('herald-test-blob:{run}', {
      description: 'Large payloads, with their length and SHA-256 so the receiver can verify them.',
      events: {
        chunk: event(
          Type.Object({
            bytes: Type.Integer({ minimum: 0 }),
            sha256: Type.String({ pattern: '^[0-9a-f]{64}$' }),
            data: Type.String(),
          }),
        ),
      },
    }),
    feed: topic('herald-test-feed:{run}:{item}', {
      description:
        'Template subscriptions: subscribed as "herald-test-feed:{run}:{item}", published per item.',
      params: { run: Type.String({ pattern: '^[A-Za-z0-9_-]{1,40}$' }) },
      wildcard: true,
      events: {
        posted: event(
          Type.Object({
            n: Type.Integer({ minimum: 0 }),
            from: Type.String(),
            text: Type.String(),
          }),
        ),
        fence: event(Type.Object({ id: Type.String() })),
      },
    }),
    raw: rawTopic('herald-test-raw:{run}:{name}', {
      description: 'Any event, any JSON payload: signed and verified, never validated.',
    }),
  },
  { title: 'Herald test topics', version: '1.0.0' },
);

/** The type of {@link testRegistry}'s definitions. */
export type TestTopics = typeof testRegistry.defs;

/** A fresh run id for {@link testRegistry}'s `run` parameter: 12 random hex characters. */
export const newRunId = (): string => randomBytes(6).toString('hex');
