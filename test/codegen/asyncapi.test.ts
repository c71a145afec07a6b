import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Parser } from '@asyncapi/parser';
import { describe, expect, it } from 'vitest';
import { asyncApiDocument } from '../../codegen/index.js';
import { registry } from '../../examples/chat/registry.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const committed = readFileSync(`${ROOT}examples/chat/generated/asyncapi.json`, 'utf8');
const SEVERITY_ERROR = 0;

async function parse(text: string) {
  const { document, diagnostics } = await new Parser().parse(text);
  return { document, errors: diagnostics.filter((d) => d.severity === SEVERITY_ERROR) };
}

describe('the AsyncAPI document', () => {
  it('parses with @asyncapi/parser with no error diagnostics', async () => {
    const { document, errors } = await parse(committed);
    expect(errors.map((e) => `${e.code}: ${e.message} at ${e.path.join('/')}`)).toEqual([]);
    expect(document?.version()).toBe('3.0.0');
    expect(document?.info().title()).toBe('Chat example');
  });

  it('is what the generator emits for the registry now', () => {
    expect(JSON.parse(committed)).toEqual(asyncApiDocument(registry));
  });

  it('has a channel per topic with its template address and parameters', async () => {
    const { document } = await parse(committed);
    const channels = Object.fromEntries(
      document!
        .channels()
        .all()
        .map((c) => [c.id(), c] as const),
    );
    expect(Object.keys(channels).sort()).toEqual(['legacy', 'room', 'team', 'user']);
    expect(channels.team!.address()).toBe('org:{orgId}:team:{teamId}');
    expect(
      channels
        .team!.parameters()
        .all()
        .map((p) => p.id()),
    ).toEqual(['orgId', 'teamId']);
    expect(
      channels
        .room!.messages()
        .all()
        .map((m) => m.name()),
    ).toEqual(['message', 'typing']);
  });

  it('carries each event schema as the message payload, and a send and a receive per event', async () => {
    const { document } = await parse(committed);
    const message = document!
      .components()
      .messages()
      .all()
      .find((m) => m.id() === 'room.message');
    expect(message?.payload()?.json()).toMatchObject({
      type: 'object',
      required: ['id', 'userId', 'text', 'sentAt'],
      properties: { sentAt: { type: 'string', format: 'date-time' } },
    });
    const operations = document!
      .operations()
      .all()
      .map((o) => `${o.id()}:${o.action()}`);
    expect(operations).toContain('room.message.send:send');
    expect(operations).toContain('room.message.receive:receive');
    expect(operations).toHaveLength(2 * 5);
  });
});
