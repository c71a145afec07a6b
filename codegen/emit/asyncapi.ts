/**
 * Emits `asyncapi.json`: an AsyncAPI 3.0.0 document of the registry.
 *
 * One channel per topic (`address` is the template, e.g. `room:{roomId}`, with its
 * `parameters`), one message per event (payload = the event's JSON Schema), and a `send` and a
 * `receive` operation per event, since every Herald node can do both. Raw topics get one message
 * whose payload is any JSON value. Herald-specific facts (schema version, topic key) travel in
 * `x-herald-*` extensions.
 */
import type { Registry, TopicEntry } from '../../src/index.js';
import { type Json, plainSchema } from '../schema.js';
import { jsonFile } from './source.js';

type JsonObject = { [key: string]: Json };

/** The name of the one message of a raw topic. */
export const RAW_MESSAGE = 'raw';

function parameters(entry: TopicEntry): JsonObject {
  const out: JsonObject = {};
  for (const name of entry.parsed.params) {
    const schema = plainSchema(entry.paramValidators.get(name)!.schema);
    const type = typeof schema.type === 'string' ? schema.type : 'string';
    const description = typeof schema.description === 'string' ? schema.description : name;
    // AsyncAPI 3.0 parameters are strings without a schema; the schema goes in an extension.
    out[name] = { description: `${description} (${type})`, 'x-herald-schema': schema };
  }
  return out;
}

function messageId(entry: TopicEntry, event: string): string {
  return `${entry.key}.${event}`;
}

/** Builds the AsyncAPI document as a plain object. */
export function asyncApiDocument(registry: Registry): JsonObject {
  const channels: JsonObject = {};
  const operations: JsonObject = {};
  const messages: JsonObject = {};
  for (const entry of registry.entries) {
    const channelMessages: JsonObject = {};
    const events: { name: string; message: JsonObject }[] = entry.def.raw
      ? [
          {
            name: RAW_MESSAGE,
            message: {
              name: RAW_MESSAGE,
              title: `${entry.key} (raw)`,
              summary: 'Any event name and any JSON payload; signed but not validated.',
              contentType: 'application/json',
              payload: {},
              'x-herald-raw': true,
            },
          },
        ]
      : [...entry.events.values()].map((ev) => ({
          name: ev.name,
          message: {
            name: ev.name,
            title: `${entry.key}.${ev.name}`,
            ...(ev.def.description ? { summary: ev.def.description } : {}),
            contentType: 'application/json',
            payload: plainSchema(ev.def.schema),
            'x-herald-version': ev.def.version,
            ...(ev.def.deprecated ? { 'x-herald-deprecated': true } : {}),
          },
        }));
    for (const { name, message } of events) {
      const id = messageId(entry, name);
      messages[id] = message;
      channelMessages[name] = { $ref: `#/components/messages/${id}` };
      for (const action of ['send', 'receive'] as const) {
        operations[`${id}.${action}`] = {
          action,
          channel: { $ref: `#/channels/${entry.key}` },
          messages: [{ $ref: `#/channels/${entry.key}/messages/${name}` }],
        };
      }
    }
    channels[entry.key] = {
      address: entry.def.template,
      ...(entry.def.description ? { description: entry.def.description } : {}),
      ...(entry.parsed.params.length > 0 ? { parameters: parameters(entry) } : {}),
      messages: channelMessages,
      'x-herald-raw': entry.def.raw,
    };
  }
  return {
    asyncapi: '3.0.0',
    info: {
      title: registry.info.title,
      version: registry.info.version,
      ...(registry.info.description ? { description: registry.info.description } : {}),
    },
    defaultContentType: 'application/json',
    channels,
    operations,
    components: { messages },
  };
}

/** Emits `asyncapi.json`. */
export function emitAsyncApi(registry: Registry): string {
  return jsonFile(asyncApiDocument(registry));
}
