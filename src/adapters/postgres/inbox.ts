/**
 * Ordered hand-over of received messages to the bus. A claim-checked message must be fetched
 * before it can be delivered; the notifications behind it wait, so one publisher's messages
 * reach the bus in the order PostgreSQL delivered them (NOTIFY keeps per-sender order).
 */

/** A message body, or a pending fetch of one (undefined: nothing to deliver). */
export type Body = string | Promise<string | undefined>;

/** An ordered delivery queue. */
export interface Inbox {
  /** Queues a message; delivers at once when nothing is pending ahead of it. */
  push(channel: string, body: Body): void;
  /** Messages waiting behind a fetch. */
  readonly pending: number;
}

/** Creates an inbox that hands bodies to `deliver` in push order. `body` promises must not reject. */
export function createInbox(deliver: (channel: string, data: string) => void): Inbox {
  const queue: { channel: string; body: Body }[] = [];
  let pumping = false;

  const pump = async (): Promise<void> => {
    pumping = true;
    while (queue.length > 0) {
      const head = queue[0] as { channel: string; body: Body };
      const data = await head.body;
      queue.shift();
      if (data === undefined) continue;
      try {
        deliver(head.channel, data);
      } catch {
        // The sink must not throw; if it does anyway, the queue behind must not stall.
      }
    }
    pumping = false;
  };

  return {
    push(channel, body) {
      if (!pumping && queue.length === 0 && typeof body === 'string') {
        deliver(channel, body);
        return;
      }
      queue.push({ channel, body });
      if (!pumping) void pump();
    },
    get pending() {
      return queue.length;
    },
  };
}
