/**
 * The text and parameters of one notifier statement (notifier.ts): `SELECT pg_notify($1, $2),
 * ...`, with a template's mirror NOTIFY right after its message's own when it has one.
 */

/** What a statement needs of a queued message. */
export interface Notification {
  readonly channel: string;
  /** A second channel for the same payload (a template's), or undefined. */
  readonly mirror: string | undefined;
  readonly payload: string;
}

const texts: string[] = [];

/** `SELECT pg_notify($1, $2), ..., pg_notify($2n-1, $2n)`, built once per `n`. */
export function notifyStatement(n: number): string {
  let text = texts[n];
  if (text === undefined) {
    const calls: string[] = [];
    for (let i = 0; i < n; i++) calls.push(`pg_notify($${2 * i + 1}, $${2 * i + 2})`);
    text = `SELECT ${calls.join(', ')}`;
    texts[n] = text;
  }
  return text;
}

/** The statement's parameters: channel and payload of each message, in order. */
export function values(batch: readonly Notification[]): string[] {
  const out: string[] = new Array(batch.length * 2);
  for (let i = 0; i < batch.length; i++) {
    const p = batch[i] as Notification;
    out[2 * i] = p.channel;
    out[2 * i + 1] = p.payload;
  }
  return out;
}

/**
 * A statement with mirrors: a mirrored message adds `pg_notify($m, $payload)` right after its
 * own, reusing its payload parameter (mirror channels are appended to the parameters).
 */
export function mirrored(batch: readonly Notification[]): { text: string; params: string[] } {
  const params = values(batch);
  const calls: string[] = [];
  for (let i = 0; i < batch.length; i++) {
    calls.push(`pg_notify($${2 * i + 1}, $${2 * i + 2})`);
    const mirror = (batch[i] as Notification).mirror;
    if (mirror !== undefined) {
      params.push(mirror);
      calls.push(`pg_notify($${params.length}, $${2 * i + 2})`);
    }
  }
  return { text: `SELECT ${calls.join(', ')}`, params };
}
