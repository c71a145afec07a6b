import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Kind, Type, TypeRegistry } from '@sinclair/typebox';
import { describe, expect, it } from 'vitest';
import {
  buildLock,
  CodegenError,
  CodegenErrorCode,
  fingerprint,
  generate,
  heraldImports,
  relativeImport,
} from '../../codegen/index.js';
import { registry } from '../../examples/chat/registry.js';
import { catalog } from '../../src/catalog/registry.js';
import { defineTopics, event, rawTopic, topic } from '../../src/index.js';
import { registry as longNames } from './fixtures/long-names.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const chatOptions = {
  registryImport: '../registry.js',
  herald: '../../../src',
  source: 'examples/chat/registry.ts',
};

/** A registry of one raw topic: the client imports a single builder. */
const rawOnly = defineTopics({ legacy: rawTopic('legacy:{channel}') });

function codegenError(run: () => unknown): CodegenError {
  try {
    run();
  } catch (error) {
    if (error instanceof CodegenError) return error;
    throw error;
  }
  throw new Error('expected a CodegenError');
}

/** An independent canonical JSON: sorted keys, no whitespace. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value).sort(([a], [b]) => (a < b ? -1 : 1));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

describe('generate()', () => {
  it('returns exactly the committed files of the chat example, byte for byte', () => {
    const files = generate(registry, chatOptions);
    expect([...files.keys()]).toEqual([...files.keys()].sort());
    for (const [path, contents] of files) {
      expect(readFileSync(`${ROOT}examples/chat/generated/${path}`, 'utf8')).toBe(contents);
    }
  });

  it.each([
    ['the chat example', registry, '../../../src'],
    ['a registry with very long names', longNames, '../../../src'],
    ['the catalogue, importing the herald package', catalog, 'herald'],
    [
      'a registry with very long names, importing from a deep directory',
      longNames,
      '../'.repeat(30),
    ],
    ['a registry of one raw topic, importing from a deep directory', rawOnly, '../'.repeat(30)],
  ])('lays out the client of %s exactly as Biome formats it', (_name, input, herald) => {
    const client = generate(input, { ...chatOptions, herald }).get('client.ts')!;
    const formatted = execFileSync(
      `${ROOT}node_modules/.bin/biome`,
      ['format', '--stdin-file-path=codegen/client.ts'],
      { cwd: ROOT, input: client, encoding: 'utf8' },
    );
    expect(client).toBe(formatted);
  });

  it('imports the client runtime from Herald, only what the topics use, and re-exports its types', () => {
    const client = generate(rawOnly, { registryImport: './r.js' }).get('client.ts')!;
    expect(client).toContain(
      "import type { Bus, Message, ParamsOf, RawTopicClient, TopicPattern } from 'herald';\n" +
        "import { rawTopicClient } from 'herald/internal';\n",
    );
    expect(client).toContain(
      "export type {\n  EventClient,\n  EventSubscribeOptions,\n  RawTopicClient,\n  TemplateClient,\n  TopicClient,\n} from 'herald';",
    );
    expect(client).not.toMatch(
      /\beventClient|\btopicClient|MessageOf|PayloadOf|function rawTopicClient/,
    );
  });

  it('keeps descriptions from ending doc comments and marks deprecated events', () => {
    const client = generate(longNames, chatOptions).get('client.ts')!;
    expect(client).toContain('ends a comment *\\/ too early');
    expect(client).toContain('   * @deprecated\n');
  });

  it('is deterministic', () => {
    expect(generate(registry, chatOptions)).toEqual(generate(registry, chatOptions));
  });

  it('emits one JSON Schema 2020-12 file per event with $id, title and description', () => {
    const files = generate(registry, chatOptions);
    const schema = JSON.parse(files.get('schemas/room.message.v1.schema.json')!);
    expect(schema).toMatchObject({
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      $id: 'urn:herald:chat-example:room.message.v1',
      title: 'room.message',
      description: 'A message posted to the room.',
      type: 'object',
      additionalProperties: false,
    });
    const { $schema: _s, $id: _i, title: _t, description: _d, ...rest } = schema;
    const payload = JSON.parse(JSON.stringify(registry.entry('room')!.events.get('message')!.def));
    expect(rest).toMatchObject(payload.schema);
  });

  it('fingerprints schemas in the lock as sha256 of sorted-key JSON', () => {
    const lock = buildLock(registry);
    const schema = registry.entry('team')!.events.get('announcement')!.def.schema;
    const expected = createHash('sha256')
      .update(canonical(JSON.parse(JSON.stringify(schema))))
      .digest('hex');
    expect(lock.topics['org:{orgId}:team:{teamId}']!.events.announcement).toEqual({
      version: 1,
      fingerprint: `sha256:${expected}`,
      compatibility: 'BACKWARD_TRANSITIVE',
      versions: [
        {
          version: 1,
          fingerprint: `sha256:${expected}`,
          upcast: false,
          schema: JSON.parse(JSON.stringify(schema)),
        },
      ],
    });
    expect(fingerprint({ a: 1, b: [2, { d: 3, c: 4 }] })).toBe(
      fingerprint({ b: [2, { c: 4, d: 3 }], a: 1 }),
    );
  });

  it('changes an event fingerprint when its schema changes, and only that one', () => {
    const make = (maxLength: number) =>
      buildLock(
        defineTopics({
          room: topic('room:{id}', {
            events: {
              said: event(Type.Object({ text: Type.String({ maxLength }) })),
              left: event(Type.Object({ at: Type.Integer() })),
            },
          }),
        }),
      ).topics['room:{id}']!.events;
    const before = make(10);
    const after = make(11);
    expect(after.said!.fingerprint).not.toBe(before.said!.fingerprint);
    expect(after.left).toEqual(before.left);
  });

  it('refuses an event whose name would hide a client method', () => {
    const clash = defineTopics({
      news: topic('news:{id}', { events: { subscribe: event(Type.Object({})) } }),
    });
    const error = codegenError(() => generate(clash, { registryImport: './r.js' }));
    expect(error.code).toBe(CodegenErrorCode.NameClash);
    expect(error.message).toContain('event "subscribe" of topic news');
  });

  it('refuses two names that would generate the same type', () => {
    const clash = defineTopics({
      chat_room: topic('a:{id}', { events: { said: event(Type.Object({})) } }),
      chatRoom: topic('b:{id}', { events: { said: event(Type.Object({})) } }),
    });
    const error = codegenError(() => generate(clash, { registryImport: './r.js' }));
    expect(error.code).toBe(CodegenErrorCode.NameClash);
    expect(error.message).toContain('ChatRoomParams');
  });

  it('refuses schemas with custom TypeBox kinds, which standalone code cannot check', () => {
    TypeRegistry.Set(
      'EvenNumber',
      (_schema, value) => typeof value === 'number' && value % 2 === 0,
    );
    const custom = defineTopics({
      nums: topic('nums:{id}', {
        events: { even: event(Type.Object({ n: { [Kind]: 'EvenNumber' } as never })) },
      }),
    });
    const error = codegenError(() => generate(custom, { registryImport: './r.js' }));
    TypeRegistry.Delete('EvenNumber');
    expect(error.code).toBe(CodegenErrorCode.UnsupportedSchema);
    expect(error.message).toContain('nums.even');
  });

  it('resolves Herald imports from a package name or a directory', () => {
    expect(heraldImports('herald')).toEqual({ main: 'herald', internal: 'herald/internal' });
    expect(heraldImports('../../../src/')).toEqual({
      main: '../../../src/index.js',
      internal: '../../../src/internal.js',
    });
  });

  it('imports the registry relative to the output directory, with the run-time extension', () => {
    expect(relativeImport('/p/examples/chat/generated', '/p/examples/chat/registry.ts')).toBe(
      '../registry.js',
    );
    expect(relativeImport('/p/out', '/p/out/topics.mts')).toBe('./topics.mjs');
    expect(relativeImport('/p/gen', '/p/lib/registry.js')).toBe('../lib/registry.js');
  });
});
