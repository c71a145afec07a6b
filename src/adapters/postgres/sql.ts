/**
 * Bounded SQL round trips. `pg` waits forever on a connection whose peer went silent, so every
 * query Herald sends has a deadline; a pooled client that missed it is destroyed, not reused.
 */
import type pg from 'pg';
import { pgModule } from './driver.js';

/** An error that says a step ran out of time. */
export class TimeoutError extends Error {
  override readonly name = 'TimeoutError';
}

/** Rejects with a TimeoutError when `promise` has not settled within `ms`. */
export function withDeadline<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new TimeoutError(`${what}: no answer in ${ms} ms`)), ms);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}

/** True for an error the server sent (it has a SQLSTATE), as opposed to a broken connection. */
export function isServerError(error: unknown): error is Error & { code: string } {
  return error instanceof pgModule().DatabaseError && typeof error.code === 'string';
}

const guarded = new WeakSet<pg.PoolClient>();

/**
 * pg's pool handles errors only of idle clients. A checked-out client whose server goes away
 * between two queries (57P01 on shutdown, a reset) emits 'error' with no listener, which is an
 * uncaught exception. The failing query still rejects, and the client is released with the
 * error and destroyed, so the event itself needs no further handling.
 */
function guard(client: pg.PoolClient): void {
  if (guarded.has(client)) return;
  guarded.add(client);
  client.on('error', () => undefined);
}

/**
 * Runs one query on a pooled client with a deadline covering checkout and execution. A client
 * that timed out or lost its connection is released with an error, so the pool destroys it.
 */
export function poolQuery<R extends pg.QueryResultRow = pg.QueryResultRow>(
  pool: pg.Pool,
  text: string,
  values: readonly unknown[],
  ms: number,
): Promise<pg.QueryResult<R>> {
  return new Promise((resolve, reject) => {
    let done = false;
    let client: pg.PoolClient | undefined;
    const timer = setTimeout(() => {
      done = true;
      // Destroys the connection: a reply that never came must not block the next query.
      client?.release(true);
      client = undefined;
      reject(new TimeoutError(`query got no answer in ${ms} ms`));
    }, ms);
    pool.connect().then(
      (checkedOut) => {
        guard(checkedOut);
        if (done) {
          checkedOut.release();
          return;
        }
        client = checkedOut;
        checkedOut.query<R>(text, values as unknown[]).then(
          (result) => {
            if (done) return;
            done = true;
            clearTimeout(timer);
            client = undefined;
            checkedOut.release();
            resolve(result);
          },
          (error: unknown) => {
            if (done) return;
            done = true;
            clearTimeout(timer);
            client = undefined;
            checkedOut.release(isServerError(error) ? undefined : true);
            reject(error);
          },
        );
      },
      (error: unknown) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}

/** A short description of an error for messages and events (its SQLSTATE when it has one). */
export function describe(error: unknown): string {
  if (isServerError(error)) return `${error.code}: ${error.message}`;
  return error instanceof Error ? error.message : String(error);
}
