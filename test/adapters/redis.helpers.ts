/**
 * Shared helpers of the Redis transport tests: a recording sink, a polling wait, a random prefix
 * per run (so runs on a shared Redis never collide), and a plain client to inspect the server.
 */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import type { TransportEvent, TransportSink } from '../../src/index.js';

/** A sink that records what a transport hands it. */
export interface RecordingSink extends TransportSink {
  readonly messages: { channel: string; data: string }[];
  readonly events: TransportEvent[];
}

/** Creates a recording sink. */
export function recordingSink(): RecordingSink {
  const messages: { channel: string; data: string }[] = [];
  const events: TransportEvent[] = [];
  return {
    messages,
    events,
    message(channel, data) {
      messages.push({
        channel,
        data: typeof data === 'string' ? data : Buffer.from(data).toString(),
      });
    },
    event(event) {
      events.push(event);
    },
  };
}

/** Polls `condition` every 10 ms until it holds; throws after `timeoutMs` naming `what`. */
export async function waitFor(
  condition: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 5000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** A prefix unique to this test run. */
export const uniquePrefix = (): string => `herald-test:${randomBytes(4).toString('hex')}:`;

/** A plain client for inspecting a server (PUBSUB NUMSUB, CLIENT KILL, ...). */
export async function adminClient(url: string): Promise<Redis> {
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  client.on('error', () => {});
  await client.connect();
  return client;
}

/** `PUBSUB NUMSUB name` → the number of subscriptions the server holds for it. */
export async function numsub(client: Redis, name: string): Promise<number> {
  const reply = (await client.call('PUBSUB', 'NUMSUB', name)) as [string, number];
  return Number(reply[1]);
}
