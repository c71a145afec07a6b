/**
 * The connection state of a listener (listener.ts) and its two longer steps: queries, one after
 * another, each with a deadline of silence (not of slowness: see listener.ts), and a bounded,
 * polite end.
 */
import type pg from 'pg';
import { watchSilence } from '../silence.js';
import { TimeoutError } from './sql.js';

/** A listener's client and what it knows of the connection. */
export interface Link {
  readonly client: pg.Client;
  /** Lost, destroyed or ending: no more notifications or loss reports. */
  gone: boolean;
  /** When the server was last heard from: a notification or a query's answer. */
  heard: number;
  /** Reports the loss once. */
  lose(reason: string): void;
  /** Destroys the socket at once. */
  destroy(): void;
}

/** A query function: one query after the previous ones, bounded by a deadline of silence. */
export type Query = (sql: string, timeoutMs: number) => Promise<pg.QueryResult>;

/** The serialized query function of `link`; a query that misses its deadline loses the link. */
export function serialQueries(link: Link): Query {
  let tail: Promise<unknown> = Promise.resolve();
  return (sql, timeoutMs) => {
    const run = (): Promise<pg.QueryResult> =>
      new Promise((resolve, reject) => {
        const watch = watchSilence(
          timeoutMs,
          Date.now(),
          () => link.heard,
          () => {
            const error = new TimeoutError(`listener query got no answer in ${timeoutMs} ms`);
            link.lose(`${error.message} (and no notification either)`);
            link.destroy();
            reject(error);
          },
        );
        link.client.query(sql).then(
          (result) => {
            watch.cancel();
            link.heard = Date.now();
            resolve(result);
          },
          (error: unknown) => {
            watch.cancel();
            reject(error);
          },
        );
      });
    const next = tail.then(run, run);
    tail = next.catch(() => undefined);
    return next;
  };
}

/** UNLISTEN *, then a polite end, both bounded by `timeoutMs`; destroys the socket if they stall. */
export async function endListener(link: Link, query: Query, timeoutMs: number): Promise<void> {
  if (link.gone) {
    link.destroy();
    return;
  }
  link.gone = true;
  const polite = (async () => {
    await query('UNLISTEN *', timeoutMs).catch(() => undefined);
    await link.client.end();
  })();
  const timer = setTimeout(link.destroy, timeoutMs);
  await polite.catch(() => undefined);
  clearTimeout(timer);
}
