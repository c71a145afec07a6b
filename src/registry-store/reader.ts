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
import type { CompatOptions } from '../schemas/compat/types.js';
import type { EventEntry, TopicEntry } from '../schemas/define.js';
import { createEventReader, type EventReader, type ReadOutcome } from '../schemas/upgrade.js';
import type { CheckFunction } from '../schemas/validator.js';
import { createAnnouncer } from './announce.js';
import { subjectOf } from './subject.js';
import type { SchemaStore } from './types.js';
import { createVerdicts, type Judged, refuse } from './verdicts.js';

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

/** A message waiting behind a look-up. */
interface Waiting extends Judged {
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

/** What the version stage of a bus is made from. */
export interface VersionReaderOptions {
  readonly precompiled?: Readonly<Record<string, CheckFunction>>;
  readonly shared?: SharedSchemaOptions | undefined;
  readonly nodeId: string;
  readonly now?: () => number;
}

/** Creates the version stage of a bus. */
export function createVersionReader(options: VersionReaderOptions): VersionReader {
  const shared = options.shared;
  const now = options.now ?? Date.now;
  const compat: CompatOptions =
    shared?.openContent === undefined ? {} : { openContent: shared.openContent };
  const readers = new Map<EventEntry, EventReader>();
  const { settle, lookup } = createVerdicts(shared, now);
  const queues = new Map<string, Waiting[]>();
  let pending = 0;
  let generation = 0;

  const readerOf = (topic: TopicEntry, event: EventEntry): EventReader => {
    let reader = readers.get(event);
    if (reader === undefined) {
      readers.set(event, (reader = createEventReader(topic, event, options.precompiled, compat)));
    }
    return reader;
  };

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
    announce: createAnnouncer(shared, compat, options.nodeId, now),
    clear() {
      generation++;
      queues.clear();
      pending = 0;
    },
  };
}
