/**
 * What every scenario shares: the registry under test, a ~250-byte chat payload, and a fixed key.
 * The key is derived from a constant so runs are comparable; it signs nothing outside the bench.
 */
import { createHash } from 'node:crypto';
import { Type } from '@sinclair/typebox';
import { defineTopics, event, type KeyConfig, rawTopic, topic } from '../src/index.js';

/** The payload schema: a chat post, the shape most pub/sub apps carry. */
export const PostedSchema = Type.Object(
  {
    id: Type.String({ minLength: 1, maxLength: 64 }),
    user: Type.String({ minLength: 1, maxLength: 64 }),
    text: Type.String({ maxLength: 2000 }),
    at: Type.Integer({ minimum: 0 }),
    n: Type.Integer({ minimum: 0 }),
    tags: Type.Array(Type.String({ maxLength: 32 }), { maxItems: 8 }),
  },
  { additionalProperties: false },
);

/** A payload of the bench. */
export interface Posted {
  id: string;
  user: string;
  text: string;
  at: number;
  n: number;
  tags: string[];
}

/** The registry: one typed topic (validated) and one raw topic (never validated). */
export const registry = defineTopics({
  chat: topic('room:{roomId}', {
    description: 'Chat posts of one room.',
    events: { posted: event(PostedSchema, { description: 'A post.' }) },
  }),
  fleet: topic('fleet:{node}', {
    description: 'One topic per node, declared wildcard: the template-subscription rows.',
    wildcard: true,
    events: { posted: event(PostedSchema, { description: 'A post.' }) },
  }),
  firehose: rawTopic('raw:{roomId}', {
    description: 'Unvalidated JSON, for the validation-off rows.',
  }),
});

/** The concrete topics the scenarios publish on. */
export const TOPIC = 'room:bench' as const;
export const RAW_TOPIC = 'raw:bench' as const;
/** The template of the template-subscription rows, and how many concrete topics they cycle. */
export const FLEET_TEMPLATE = 'fleet:{node}' as const;
export const FLEET_TOPICS = 1000;
/** The same topic in mqemitter's `/`-separated syntax. */
export const MQ_TOPIC = 'room/bench';

/** Bytes of each payload as JSON (`JSON.stringify`). */
export const PAYLOAD_BYTES = 250;

/** Builds payload number `n`, padded so its JSON is exactly {@link PAYLOAD_BYTES} bytes. */
export function makePayload(n: number): Posted {
  const base: Posted = {
    id: `msg-${n}`,
    user: `user-${n % 97}`,
    text: '',
    at: 1_700_000_000_000 + n,
    n,
    tags: ['bench', 'chat'],
  };
  const pad = PAYLOAD_BYTES - JSON.stringify(base).length;
  base.text = 'lorem ipsum dolor sit amet '.repeat(20).slice(0, Math.max(0, pad));
  return base;
}

/** 64 distinct payloads, reused round-robin so the timed loop allocates no payloads. */
export const PAYLOADS: readonly Posted[] = Array.from({ length: 64 }, (_, i) => makePayload(i));

/** The 32-byte HS256 key of the bench, as raw bytes. */
export const KEY_BYTES = createHash('sha256').update('herald-bench-key').digest();

/** The key configuration every bench bus uses. */
export const KEYS: KeyConfig = { keys: [{ kid: 'bench-1', secret: KEY_BYTES }] };
