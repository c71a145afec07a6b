/**
 * The handled-id record of a durable consumer (docs/transports/nats.md "Once per handler"): one
 * JetStream stream per consumer (name and subject in jetstream.ts `handledStream`) holding the
 * ids of the messages whose handler finished, so that a restarted process, another member of the
 * group, or a process facing a server that forgot acknowledgements does not run them again.
 *
 * Record (normative): the UTF-8 text `<stream sequence> <message id>\n`, one line per handled
 * message, one JetStream message per flush (every message finished in one turn of the event
 * loop). Its PubAck is awaited before those messages are acknowledged: a message is never
 * acknowledged unrecorded. Retention: the topic stream's `max_age` and `max_bytes` (a redelivery
 * can come as long as the message is stored; the duplicate window only bounds publishes).
 *
 * Loading: only ids past the consumer's acknowledged floor `F` can be delivered again. A record
 * of position p > F was written after message p was stored, hence after message F was, so the
 * record stream is read from the stored time of message F, less {@link CLOCK_MARGIN_MS} (in a
 * cluster two streams may have leaders with different clocks); from its start when F is 0 or gone.
 */
import type { JetStreamClient, JetStreamManager } from '@nats-io/jetstream';
import { jetstreamjs, nanos } from './jetstream.js';

/** How far before the floor's stored time the record stream is read. */
export const CLOCK_MARGIN_MS = 60_000;
/** Records read per pull when loading. */
const LOAD_BATCH = 1000;

/** The record stream of one consumer, and the topic stream whose retention it follows. */
export interface HandledPlace {
  readonly js: JetStreamClient;
  readonly jsm: JetStreamManager;
  /** The topic stream and its consumer. */
  readonly stream: string;
  readonly consumer: string;
  /** The record stream. */
  readonly name: string;
  readonly subject: string;
  /** A JetStream publish, resolved on its PubAck. */
  readonly publish: (subject: string, text: string) => Promise<void>;
}

/** Creates or updates the record stream, with the topic stream's retention. */
export async function ensureHandledStream(p: HandledPlace): Promise<void> {
  const lib = jetstreamjs();
  const topic = (await p.jsm.streams.info(p.stream)).config;
  const config = { subjects: [p.subject], max_age: topic.max_age, max_bytes: topic.max_bytes };
  try {
    await p.jsm.streams.add({
      name: p.name,
      ...config,
      storage: lib.StorageType.File,
      retention: lib.RetentionPolicy.Limits,
      discard: lib.DiscardPolicy.Old,
    });
  } catch {
    await p.jsm.streams.update(p.name, config);
  }
}

/** One record's lines into `into`, keeping positions past `floor`. */
export function parseRecord(data: Uint8Array, floor: number, into: Map<string, number>): void {
  for (const line of new TextDecoder().decode(data).split('\n')) {
    const space = line.indexOf(' ');
    if (space <= 0) continue;
    const position = Number(line.slice(0, space));
    if (Number.isSafeInteger(position) && position > floor)
      into.set(line.slice(space + 1), position);
  }
}

/** The record of handled messages as text. */
export const recordText = (entries: readonly { position: number; id: string }[]): string =>
  entries.map((e) => `${e.position} ${e.id}\n`).join('');

/** Where reading the record stream starts: the floor's stored time less the margin. */
async function startOf(p: HandledPlace, floor: number): Promise<Date | undefined> {
  if (floor === 0) return undefined;
  const stored = await p.jsm.streams.getMessage(p.stream, { seq: floor }).catch(() => null);
  return stored ? new Date(stored.time.getTime() - CLOCK_MARGIN_MS) : undefined;
}

/** Reads the ids recorded past the consumer's acknowledged floor into `into`. */
export async function loadHandled(p: HandledPlace, into: Map<string, number>): Promise<void> {
  const lib = jetstreamjs();
  const floor = (await p.jsm.consumers.info(p.stream, p.consumer)).ack_floor.stream_seq;
  const start = await startOf(p, floor);
  const reader = await p.jsm.consumers.add(p.name, {
    ack_policy: lib.AckPolicy.None,
    ...(start === undefined
      ? { deliver_policy: lib.DeliverPolicy.All }
      : { deliver_policy: lib.DeliverPolicy.StartTime, opt_start_time: start.toISOString() }),
    inactive_threshold: nanos(30_000),
    mem_storage: true,
  });
  try {
    let left = reader.num_pending;
    const c = await p.js.consumers.get(p.name, reader.name);
    while (left > 0) {
      const batch = await c.fetch({ max_messages: Math.min(left, LOAD_BATCH), expires: 5_000 });
      let got = 0;
      for await (const m of batch) {
        got++;
        parseRecord(m.data, floor, into);
      }
      if (got === 0) throw new Error(`${left} records of "${p.name}" did not arrive`);
      left -= got;
    }
  } finally {
    await p.jsm.consumers.delete(p.name, reader.name).catch(() => undefined);
  }
}

/** Writes handled ids, one record per turn, and acknowledges each message once it is stored. */
export interface HandledRecorder {
  add(position: number, id: string, ack: () => void): void;
  /** Resolves when every record so far is stored (and its messages acknowledged) or failed. */
  drain(): Promise<void>;
}

/** The recorder of one consumer. */
export function handledRecorder(p: Pick<HandledPlace, 'publish' | 'subject'>): HandledRecorder {
  let batch: { position: number; id: string; ack: () => void }[] = [];
  let scheduled = false;
  const writing = new Set<Promise<void>>();
  const flush = (): void => {
    scheduled = false;
    const items = batch;
    batch = [];
    if (items.length === 0) return;
    const write = p.publish(p.subject, recordText(items)).then(
      () => {
        for (const item of items) {
          try {
            item.ack();
          } catch {
            // A closed connection: the server delivers it again, and the record answers then.
          }
        }
      },
      // Not stored: no acknowledgement. The server delivers these again after the ack wait; the
      // id is still in this process's memory, so that delivery records it again, then acks.
      () => undefined,
    );
    writing.add(write);
    void write.finally(() => writing.delete(write));
  };
  return {
    add(position, id, ack) {
      batch.push({ position, id, ack });
      if (!scheduled) {
        scheduled = true;
        setImmediate(flush);
      }
    },
    async drain() {
      if (scheduled) flush();
      await Promise.all([...writing]);
    },
  };
}
