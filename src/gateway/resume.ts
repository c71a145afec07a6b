/**
 * Resume: a page that reconnects sends the id of the last event it received (`Last-Event-ID`,
 * which EventSource sends by itself, or `?lastEventId=`). Ids are `<epoch>.<seq>`: the
 * gateway's epoch and its sequence across topics. For each topic the page asks for, the gateway
 * replays what its resume ring holds after that sequence, or sends a `gap` when the ring no
 * longer reaches back (or the id belongs to another gateway, or to none): every missed message,
 * or a gap, never silence.
 */
import type { Connection } from './connection.js';
import { namedFrame } from './frames.js';
import type { Buffered } from './ring.js';
import type { GatewayState } from './state.js';

const RESUME_ID = /^([A-Za-z0-9_-]{1,32})\.(\d{1,15})$/;

/** Replays or gaps each topic of `connection` after `lastEventId`; nothing when there is none. */
export function resume(
  state: GatewayState,
  connection: Connection,
  lastEventId: string | null,
  fresh: ReadonlySet<string>,
): void {
  if (lastEventId === null || lastEventId === '') return;
  const match = RESUME_ID.exec(lastEventId);
  const seq = match !== null && match[1] === state.epoch ? Number(match[2]) : undefined;
  const replay: { topic: string; entry: Buffered }[] = [];
  for (const topic of connection.topics) {
    if (fresh.has(topic)) continue;
    const entries = seq === undefined ? undefined : state.feeds.get(topic)?.ring.since(seq);
    if (entries === undefined) {
      state.counters.gaps.resume++;
      connection.control(namedFrame('gap', { topic, reason: 'resume' }));
      continue;
    }
    for (const entry of entries) replay.push({ topic, entry });
  }
  replay.sort((a, b) => a.entry.seq - b.entry.seq);
  state.counters.replayed += replay.length;
  for (const { topic, entry } of replay) connection.send(topic, entry.frame);
}
