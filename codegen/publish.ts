/**
 * `herald publish <topic> <event> <json|@file>`: validates the payload against the registry,
 * signs it with the app's keys and publishes it on the app's transport, as `bus.broadcast` does,
 * then prints the receipt as one JSON line. A refused payload exits 1 naming every invalid field.
 *
 * The payload is JSON text, `@path` for a file, or `-` for standard input. It is validated before
 * the transport is even connected, so a wrong payload fails fast and sends nothing.
 */
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { type Registry, ValidationError, type ValidationIssue } from '../src/index.js';
import { CONNECT_OPTIONS, type Env, openBus, requireRegistry } from './connect.js';
import { CodegenError, CodegenErrorCode } from './errors.js';
import { transportLabel } from './tail.js';

/** Reads the payload argument: JSON text, `@file`, or `-` for stdin. */
export async function readPayload(arg: string, stdin: () => Promise<string>): Promise<unknown> {
  const [text, where] =
    arg === '-'
      ? [await stdin(), 'standard input']
      : arg.startsWith('@')
        ? [
            await readFile(arg.slice(1), 'utf8').catch((cause: unknown) => {
              throw new CodegenError(
                CodegenErrorCode.LoadFailed,
                `cannot read the payload file ${arg.slice(1)}`,
                { hint: 'pass @<path> of a JSON file, JSON text, or - for standard input', cause },
              );
            }),
            arg.slice(1),
          ]
        : [arg, 'the payload argument'];
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new CodegenError(CodegenErrorCode.Usage, `${where} is not JSON`, {
      hint: `${error instanceof Error ? error.message : String(error)}; quote the JSON for the shell: '{"text":"hi"}'`,
    });
  }
}

/** The lines a refused payload prints: one per issue, `<path>: <message>`. */
export function refusalLines(issues: readonly ValidationIssue[]): string[] {
  return issues.map((issue) => `  ${issue.path === '' ? '(root)' : issue.path}: ${issue.message}`);
}

/** Checks the event exists on the topic before anything connects. */
function checkTarget(registry: Registry, topic: string, event: string): void {
  const resolved = registry.resolve(topic);
  if (resolved === undefined) {
    throw new CodegenError(CodegenErrorCode.Usage, `"${topic}" is not a topic of the registry`, {
      hint: `declared templates: ${registry.entries.map((e) => e.def.template).join(', ')}`,
    });
  }
  const events = [...resolved.entry.events.keys()];
  if (!events.includes(event)) {
    throw new CodegenError(CodegenErrorCode.Usage, `topic "${topic}" has no event "${event}"`, {
      hint: `its events: ${events.join(', ')}`,
    });
  }
}

function refuse(
  io: { readonly err: (line: string) => void },
  topic: string,
  event: string,
  issues: readonly ValidationIssue[],
): number {
  const count = `${issues.length} issue${issues.length === 1 ? '' : 's'}`;
  io.err(`herald publish: payload refused for ${topic} ${event} (${count}):`);
  for (const line of refusalLines(issues)) io.err(line);
  return 1;
}

/** Runs `herald publish`; returns the exit code. */
export async function publish(
  args: string[],
  env: Env,
  io: {
    readonly out: (line: string) => void;
    readonly err: (line: string) => void;
    readonly stdin: () => Promise<string>;
  },
): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    strict: true,
    allowPositionals: true,
    options: { ...CONNECT_OPTIONS, quiet: { type: 'boolean' }, drafts: { type: 'boolean' } },
  });
  if (positionals.length !== 3) {
    throw new CodegenError(
      CodegenErrorCode.Usage,
      `publish takes a topic, an event and a payload (got ${positionals.length} arguments)`,
      { hint: `herald publish --registry <module> room:lobby message '{"text":"hi"}'` },
    );
  }
  const [topic, event, payloadArg] = positionals as [string, string, string];
  const payload = await readPayload(payloadArg, io.stdin);
  const registry = await requireRegistry(values, 'publish');
  checkTarget(registry, topic, event);
  // Validate before connecting: a refused payload sends nothing and needs no server.
  const check = registry.resolve(topic)!.entry.events.get(event)!.validator;
  if (!check.check(payload)) {
    return refuse(io, topic, event, check.errors(payload));
  }
  const { bus } = await openBus(values, env, 'publish', { drafts: values.drafts === true });
  try {
    const receipt = await bus.broadcast(topic as never, event as never, payload as never);
    io.out(JSON.stringify(receipt));
    if (values.quiet !== true)
      io.err(`herald publish: sent ${topic} ${event} via ${transportLabel(bus)}`);
    return 0;
  } catch (error) {
    if (error instanceof ValidationError) return refuse(io, topic, event, error.issues);
    throw error;
  } finally {
    await bus.stop();
  }
}
