/**
 * The bus's version stage: reads every inbound payload as the latest version of its event, and
 * registers this node's versions in the shared store before it first publishes an event.
 *
 * A declared version is read at once (`upgrade.ts`). An undeclared one — older than this node's
 * history, or newer than its latest — needs its schema: with a store, it is fetched once, judged
 * (can the latest read it, by the rules of `canRead`?) and the verdict is kept; the payload is
 * then validated against the latest schema and passed on unchanged, or the whole version is
 * refused. Without a store, an undeclared version is refused. Messages waiting for a look-up
 * keep their order per publisher and topic; messages behind them wait too.
 */
import { ErrorCode, TransportError } from '../errors.js';
import type { CompatOptions } from '../schemas/compat/types.js';
import type { EventEntry, TopicEntry } from '../schemas/define.js';
import { createEventReader, type EventReader, type ReadOutcome } from '../schemas/upgrade.js';
import type { CheckFunction } from '../schemas/validator.js';
import { eventHistory, registerEvent, SchemaRegistrationError } from './register.js';
import { subjectOf } from './subject.js';
import type { SchemaStore } from './types.js';

/** Options of a shared schema store on a bus (`createBus({ schemas })`). */
export interface SharedSchemaOptions extends CompatOptions {
  /** The store: `memorySchemaStore()`, `redisSchemaStore(client)`, `postgresSchemaStore(pool)`. */
  readonly store: SchemaStore;
  /**
   * Register this node's versions of an event before its first publish (refused → the publish
   * rejects with a `SchemaRegistrationError`). Turn off for nodes that only consume.
   * @default true
   */
  readonly register?: boolean;
  /**
   * How long a version the store does not hold is remembered as missing before asking again.
   * @default 5000
   */
  readonly missingTtlMs?: number;
  /**
   * A store look-up unanswered for this long fails; its messages are refused.
   * @default 2000
   */
  readonly timeoutMs?: number;
  /**
   * Most messages waiting for look-ups at once; past it, messages of unknown versions are
   * refused, so a slow store cannot grow memory without bound.
   * @default 10000
   */
  readonly maxPending?: number;
}

type Verdict =
  | { readonly kind: 'readable' }
  | { readonly kind: 'unreadable'; readonly detail: string }
  | { readonly kind: 'missing'; readonly until: number }
  | { readonly kind: 'failed'; readonly until: number; readonly detail: string };

/** How long a failed look-up refuses its version's messages before the store is asked again. */
const FAILED_TTL_MS = 1000;
/** Most verdicts kept about versions that are missing or could not be looked up. */
const MAX_SHORT_VERDICTS = 1000;

interface Waiting {
  readonly reader: EventReader;
  readonly subject: string;
  readonly version: number;
  readonly data: unknown;
  readonly done: (outcome: ReadOutcome) => void;
}

/** What the version stage reads of an inbound envelope. */
export interface InboundMessage {
  readonly node: string;
  readonly epoch: string;
  readonly topic: string;
  readonly version: number;
  readonly data: unknown;
}

/** The version stage of one bus. */
export interface VersionReader {
  /**
   * Reads a payload as its event's latest version. Returns the outcome, or undefined when it
   * will call `done` later (a store look-up), never before earlier messages of the same
   * publisher (node and epoch) on the same topic.
   */
  read(
    topic: TopicEntry,
    event: EventEntry,
    message: InboundMessage,
    done: (outcome: ReadOutcome) => void,
  ): ReadOutcome | undefined;
  /** Registers an event's versions before its first publish; undefined when nothing to wait for. */
  announce(topic: TopicEntry, event: EventEntry): Promise<void> | undefined;
  /** Messages waiting for look-ups. */
  readonly pending: number;
  /** Drops waiting messages without calling their `done` (the bus stopped). */
  clear(): void;
}

/** Creates the version stage of a bus. */
export function createVersionReader(options: {
  readonly precompiled?: Readonly<Record<string, CheckFunction>>;
  readonly shared?: SharedSchemaOptions | undefined;
  readonly nodeId: string;
  readonly now?: () => number;
}): VersionReader {
  const shared = options.shared;
  const now = options.now ?? Date.now;
  const compat: CompatOptions =
    shared?.openContent === undefined ? {} : { openContent: shared.openContent };
  const readers = new Map<EventEntry, EventReader>();
  const verdicts = new Map<string, Verdict>();
  const lookups = new Map<string, Promise<void>>();
  const queues = new Map<string, Waiting[]>();
  const announced = new Map<EventEntry, { done: boolean; promise: Promise<void> }>();
  let pending = 0;
  let generation = 0;

  const readerOf = (topic: TopicEntry, event: EventEntry): EventReader => {
    let reader = readers.get(event);
    if (reader === undefined) {
      reader = createEventReader(topic, event, options.precompiled, compat);
      readers.set(event, reader);
    }
    return reader;
  };

  /** The outcome now, or undefined when the verdict needs a look-up. */
  function settle(w: Omit<Waiting, 'done'>, fresh = false): ReadOutcome | undefined {
    const { reader, version, data } = w;
    if (reader.declares(version)) return reader.read(version, data);
    const where = `${reader.label}@${version}`;
    if (shared === undefined) {
      return refuse(
        `${where} is ${version > reader.latest ? 'newer' : 'older'} than the versions this node declares (up to ${reader.latest}), and no schema store is configured to look it up`,
      );
    }
    const verdict = verdicts.get(`${w.subject}@${version}`);
    const expired =
      !fresh &&
      (verdict?.kind === 'missing' || verdict?.kind === 'failed') &&
      verdict.until <= now();
    if (verdict === undefined || expired) return undefined;
    if (verdict.kind === 'missing') {
      return refuse(
        `${where} is in neither this node's registry nor the ${shared.store.name} schema store`,
      );
    }
    if (verdict.kind === 'unreadable' || verdict.kind === 'failed') return refuse(verdict.detail);
    return reader.readAsLatest(version, data);
  }

  /**
   * Keeps a short-lived verdict. Versions that do not exist could be named without end, so past
   * {@link MAX_SHORT_VERDICTS} the oldest short-lived ones are forgotten (they are asked again).
   */
  function remember(key: string, verdict: Verdict): void {
    verdicts.delete(key);
    verdicts.set(key, verdict);
    if (verdicts.size <= MAX_SHORT_VERDICTS) return;
    for (const [k, v] of verdicts) {
      if (verdicts.size <= MAX_SHORT_VERDICTS) break;
      if (v.kind === 'missing' || v.kind === 'failed') verdicts.delete(k);
    }
  }

  function lookup(subject: string, reader: EventReader, version: number): Promise<void> {
    const key = `${subject}@${version}`;
    let running = lookups.get(key);
    if (running !== undefined) return running;
    const store = shared!.store;
    const timeoutMs = shared!.timeoutMs ?? 2000;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer in ${timeoutMs} ms`)), timeoutMs);
      timer.unref?.();
    });
    running = Promise.race([store.get(subject, version), timeout])
      .then((record) => {
        if (record === undefined) {
          remember(key, { kind: 'missing', until: now() + (shared!.missingTtlMs ?? 5000) });
          return;
        }
        const issues = reader.judge(record.schema);
        verdicts.set(
          key,
          issues.length === 0
            ? { kind: 'readable' }
            : {
                kind: 'unreadable',
                detail: `${reader.label}@${version} (from the ${store.name} schema store) cannot be read as version ${reader.latest}: ${issues[0]!.path || '/'} ${issues[0]!.message}`,
              },
        );
      })
      .catch((error: unknown) => {
        remember(key, {
          kind: 'failed',
          until: now() + FAILED_TTL_MS,
          detail: `${reader.label}@${version} could not be looked up in the ${store.name} schema store: ${error instanceof Error ? error.message : String(error)}`,
        });
      })
      .finally(() => {
        clearTimeout(timer);
        lookups.delete(key);
      });
    lookups.set(key, running);
    return running;
  }

  /** Delivers a queue's messages in order, looking up verdicts as they are needed. */
  function drain(queue: string, round: number, looked?: string): void {
    const waiting = queues.get(queue);
    while (waiting !== undefined && waiting.length > 0 && round === generation) {
      const head = waiting[0]!;
      const key = `${head.subject}@${head.version}`;
      const outcome = settle(head, key === looked);
      if (outcome === undefined) {
        // A look-up never rejects: a failure becomes a short-lived verdict that refuses.
        void lookup(head.subject, head.reader, head.version).then(() => drain(queue, round, key));
        return;
      }
      waiting.shift();
      pending--;
      head.done(outcome);
    }
    if (waiting?.length === 0) queues.delete(queue);
  }

  return {
    get pending() {
      return pending;
    },
    read(topic, event, message, done) {
      const reader = readerOf(topic, event);
      const { version, data } = message;
      // The common case: a declared version, nothing waiting anywhere.
      if (queues.size === 0 && reader.declares(version)) return reader.read(version, data);
      const queue = `${message.node}:${message.epoch}|${message.topic}`;
      const item = { reader, subject: subjectOf(topic.def.template, event.name), version, data };
      const waiting = queues.get(queue);
      if (waiting === undefined) {
        const outcome = settle(item);
        if (outcome !== undefined) return outcome;
      }
      if (pending >= (shared?.maxPending ?? 10_000)) {
        return refuse(
          `${reader.label}@${version}: too many messages are waiting for schema look-ups`,
        );
      }
      pending++;
      if (waiting !== undefined) waiting.push({ ...item, done });
      else {
        queues.set(queue, [{ ...item, done }]);
        drain(queue, generation);
      }
      return undefined;
    },
    announce(topic, event) {
      if (shared === undefined || shared.register === false) return undefined;
      const state = announced.get(event);
      if (state?.done) return undefined;
      if (state !== undefined) return state.promise;
      const entry = { done: false, promise: Promise.resolve() };
      entry.promise = registerEvent(shared.store, eventHistory(topic, event), {
        ...compat,
        by: options.nodeId,
        now,
      }).then(
        () => {
          entry.done = true;
        },
        (error: unknown) => {
          // A refusal stands (the declarations will not change); a store failure is retried.
          if (!(error instanceof SchemaRegistrationError)) announced.delete(event);
          throw error instanceof SchemaRegistrationError
            ? error
            : new TransportError(
                ErrorCode.PublishFailed,
                `could not register the versions of ${topic.key}.${event.name} in the ${shared.store.name} schema store: ${error instanceof Error ? error.message : String(error)}`,
                {
                  topic: topic.def.template,
                  event: event.name,
                  cause: error,
                  hint: 'check the schema store connection, or set schemas.register: false on nodes that only consume',
                },
              );
        },
      );
      announced.set(event, entry);
      return entry.promise;
    },
    clear() {
      generation++;
      queues.clear();
      pending = 0;
    },
  };
}

function refuse(detail: string): ReadOutcome {
  return { ok: false, reason: 'unsupported_version', detail };
}
