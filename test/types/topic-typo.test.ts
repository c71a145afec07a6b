/**
 * What a user reads when a topic string is mistyped: the compiler's own message must list the
 * declared templates (`order:${string}` | `room:${string}`), not the alias with the whole
 * registry type inside (issue 15). Compiles a snippet with the project's settings and reads the
 * diagnostic text, as an editor shows it.
 */
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';
import { afterAll, describe, expect, it } from 'vitest';

const file = join(import.meta.dirname, `typo-${process.pid}.fixture.ts`);

afterAll(() => rmSync(file, { force: true }));

describe('a mistyped topic at compile time', () => {
  it('names the declared templates in the error, not the registry type', () => {
    writeFileSync(
      file,
      `import { Type } from '@sinclair/typebox';
import { createBus, defineTopics, event, topic } from '../../src/index.js';
const registry = defineTopics({
  order: topic('order:{orderId}', { events: { created: event(Type.Object({ id: Type.String() }), { version: 1 }) } }),
  room: topic('room:{roomId}', { events: { message: event(Type.Object({ text: Type.String() }), { version: 1 }) } }),
});
const bus = createBus({ registry, keys: { keys: [] } });
export const a = bus.broadcast('ordr:1', 'created', { id: 'x' });
export const b = bus.subscribe('ordr:1', () => undefined);
`,
    );
    const config = ts.getParsedCommandLineOfConfigFile(
      join(import.meta.dirname, '../../tsconfig.json'),
      {},
      { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => undefined },
    );
    const options = { ...(config?.options ?? {}), noEmit: true };
    const program = ts.createProgram([file], options);
    const messages = ts
      .getPreEmitDiagnostics(program)
      .filter((d) => d.file?.fileName === file)
      .map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
    expect(messages).toHaveLength(2);
    for (const message of messages) {
      expect(message).toContain(
        // biome-ignore lint/suspicious/noTemplateCurlyInString: the compiler's text, not a template
        "Argument of type '\"ordr:1\"' is not assignable to parameter of type '`order:${string}` | `room:${string}`'",
      );
      expect(message).not.toContain('TopicDef');
    }
  }, 60_000);
});
