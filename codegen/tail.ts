/**
 * `herald tail <topic>...`: prints every verified message on the given topics, and every message
 * refused on their channels with the reason, live, until SIGINT or SIGTERM (then exit 0).
 *
 * It is a bus like the app's (same registry, keys, transport), so what it prints is exactly what
 * a handler of the app would receive: verified, fresh, not replayed, schema-valid. Messages go to
 * stdout (one line each, or JSON lines with `--json`); the banner and errors go to stderr.
 *
 * Topics are concrete (`room:lobby`), or the key of a topic without parameters. A template
 * (`room:{roomId}`) is refused: subscribing to every instance of a template is a later feature
 * (template subscriptions), and a concrete topic is what the transports subscribe to today.
 */
import { parseArgs } from 'node:util';
import type { Bus, Message, Registry, Rejection } from '../src/index.js';
import { CONNECT_OPTIONS, type Env, openBus } from './connect.js';
import { CodegenError, CodegenErrorCode } from './errors.js';

/** What `tail` writes to; the CLI passes process streams, tests may pass others. */
export interface TailIo {
  readonly out: (line: string) => void;
  readonly err: (line: string) => void;
  /** Resolves when the command should stop (SIGINT / SIGTERM). */
  readonly stopped: Promise<void>;
}

/** The trace id of a W3C `traceparent` (`00-<trace id>-<span id>-<flags>`), or undefined. */
export function traceId(traceparent: string | undefined): string | undefined {
  const id = traceparent?.split('-')[1];
  return id !== undefined && /^[0-9a-f]{32}$/.test(id) ? id : undefined;
}

/** A message as one JSON line. */
export function messageJson(message: Message): string {
  const m = message.meta;
  return JSON.stringify({
    type: 'message',
    time: new Date(m.time).toISOString(),
    topic: message.topic,
    event: message.event,
    version: m.version,
    id: m.id,
    node: m.node,
    seq: m.seq,
    kid: m.kid ?? null,
    traceId: traceId(m.traceparent) ?? null,
    payload: message.payload,
  });
}

/** A message as one human line: time, topic, event@version, node, kid, trace id, payload. */
export function messageLine(message: Message): string {
  const m = message.meta;
  return [
    new Date(m.time).toISOString(),
    message.topic,
    `${message.event}@${m.version}`,
    `node=${m.node}`,
    `kid=${m.kid ?? '-'}`,
    `trace=${traceId(m.traceparent) ?? '-'}`,
    JSON.stringify(message.payload),
  ].join('  ');
}

/** A rejection as one JSON line, stamped with the time it was seen. */
export function rejectionJson(rejection: Rejection, now: number): string {
  return JSON.stringify({
    type: 'rejected',
    time: new Date(now).toISOString(),
    reason: rejection.reason,
    detail: rejection.detail,
    channel: rejection.channel,
    topic: rejection.topic ?? null,
    event: rejection.event ?? null,
    node: rejection.node ?? null,
    kid: rejection.kid ?? null,
    field: rejection.field ?? null,
  });
}

/** A rejection as one human line. */
export function rejectionLine(rejection: Rejection, now: number): string {
  const known = (['topic', 'event', 'node', 'kid', 'field'] as const)
    .filter((k) => rejection[k] !== undefined)
    .map((k) => `${k}=${rejection[k]}`);
  return [
    new Date(now).toISOString(),
    `REJECTED ${rejection.reason}`,
    `channel=${rejection.channel}`,
    ...known,
    rejection.detail,
  ].join('  ');
}

/**
 * A command-line topic as a concrete topic name: a concrete topic the registry declares, or the
 * key of a topic without parameters. Throws a usage error otherwise.
 */
export function concreteTopic(registry: Registry, arg: string): string {
  if (!arg.includes('{') && registry.resolve(arg) !== undefined) return arg;
  const byKey = registry.entry(arg);
  if (byKey !== undefined && !byKey.def.template.includes('{')) return byKey.def.template;
  const templates = registry.entries.map((e) => e.def.template);
  if (arg.includes('{') || byKey !== undefined) {
    const template = byKey?.def.template ?? arg;
    throw new CodegenError(
      CodegenErrorCode.Usage,
      `cannot tail the template "${template}": template subscriptions (every instance of a template) are a later feature`,
      {
        hint: `give concrete topics, e.g. ${template.replace(/\{([^}]+)\}/g, '<$1>')}; declared templates: ${templates.join(', ')}`,
      },
    );
  }
  throw new CodegenError(CodegenErrorCode.Usage, `"${arg}" is not a topic of the registry`, {
    hint: `declared templates: ${templates.join(', ')}`,
  });
}

/** The transport a bus runs on, with its server: `redis (redis://127.0.0.1:6379)`. */
export function transportLabel(bus: Bus): string {
  const { name, detail } = bus.transport();
  const where =
    detail?.url ??
    (detail?.host === undefined ? undefined : `${detail.host}:${detail.port}/${detail.database}`);
  return where === undefined ? name : `${name} (${where})`;
}

/** Runs `herald tail`; resolves with the exit code once `io.stopped` resolves. */
export async function tail(args: string[], env: Env, io: TailIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    strict: true,
    allowPositionals: true,
    options: { ...CONNECT_OPTIONS, json: { type: 'boolean' } },
  });
  if (positionals.length === 0) {
    throw new CodegenError(CodegenErrorCode.Usage, 'tail needs at least one topic', {
      hint: 'herald tail --registry <module> room:lobby [more topics]',
    });
  }
  const { bus, registry } = await openBus(values, env, 'tail');
  try {
    const topics = [...new Set(positionals.map((arg) => concreteTopic(registry, arg)))];
    const json = values.json === true;
    bus.on('rejected', (rejection) => {
      const now = Date.now();
      io.out(json ? rejectionJson(rejection, now) : rejectionLine(rejection, now));
    });
    for (const topic of topics) {
      await bus.subscribe(topic as never, (message: Message) => {
        io.out(json ? messageJson(message) : messageLine(message));
      });
    }
    io.err(
      `herald tail: listening on ${topics.join(', ')} via ${transportLabel(bus)}; Ctrl-C to stop`,
    );
    await io.stopped;
    return 0;
  } finally {
    await bus.stop();
  }
}
