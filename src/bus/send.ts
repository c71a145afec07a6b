/**
 * Send: hands a publish's encoded envelope, or its item in this tick's batch, to the transport,
 * then counts it, ends its PRODUCER span and makes its receipt. A transport's refusal ends the
 * span with the error and rejects the publish with a TransportError saying what was delivered
 * locally all the same.
 */

import type { Batcher } from './batcher.js';
import { type BusContext, wrapTransport } from './context.js';
import type { PublishScope } from './instrumentation.js';
import { receiptOf } from './receipt.js';
import type { PublishReceipt } from './types.js';

/** What a send needs of its publish. */
export interface Sent {
  readonly id: string;
  readonly seq: number;
  readonly topic: string;
  readonly event: string;
  readonly localDeliveries: number;
  readonly scope: PublishScope | undefined;
  /** A wildcard topic's template, for transports that mirror it on the template's channel. */
  readonly template: string | undefined;
}

/** Hands one encoded envelope to the transport. */
export async function send(
  ctx: BusContext,
  channel: string,
  encoded: string,
  sent: Sent,
): Promise<PublishReceipt> {
  const size = encoded.length;
  try {
    await ctx.transport.publish(channel, encoded, sent.template);
  } catch (error) {
    throw failed(ctx, error, sent, size);
  }
  return done(ctx, sent, size);
}

/**
 * Stores one encoded envelope of a durable topic (`template`) under its message id: resolves
 * once the server stored it, rejects when it did not (docs/transports/nats.md "Durable topics").
 */
export async function sendDurable(
  ctx: BusContext,
  channel: string,
  encoded: string,
  sent: Sent,
  template: string,
): Promise<PublishReceipt> {
  try {
    const store = ctx.transport.durable;
    if (store === undefined)
      throw new Error(`the ${ctx.transport.name} transport stores no durable topics`);
    await store.append(channel, template, encoded, sent.id);
  } catch (error) {
    throw failed(ctx, error, sent, encoded.length);
  }
  return done(ctx, sent, encoded.length);
}

/**
 * Queues one item in this tick's batch of its channel. Not `async`: the receipt is one reaction
 * on the batch's promise (the async function's own promise and its await were one more each).
 */
export function sendBatched(
  ctx: BusContext,
  channel: string,
  item: string,
  sent: Sent,
): Promise<PublishReceipt> {
  return (ctx.batcher as Batcher).add(channel, item, sent.template).then(
    (size) => done(ctx, sent, size),
    (error: unknown) => {
      throw failed(ctx, error, sent, undefined);
    },
  );
}

/** A send the transport took: counted, span ended, receipt. */
function done(ctx: BusContext, sent: Sent, size: number): PublishReceipt {
  ctx.counters.sent++;
  sent.scope?.end({ id: sent.id, localDeliveries: sent.localDeliveries, sent: true, size });
  return receiptOf(ctx, sent.id, sent.seq, sent.topic, sent.event, sent.localDeliveries, true);
}

/** A send the transport refused: span ended with the error, which the publish rejects with. */
function failed(ctx: BusContext, cause: unknown, sent: Sent, size: number | undefined): Error {
  const error = sendFailed(ctx, cause, sent.event, sent.topic, sent.localDeliveries);
  const { id, localDeliveries } = sent;
  sent.scope?.end({
    id,
    localDeliveries,
    sent: false,
    error,
    ...(size === undefined ? {} : { size }),
  });
  return error;
}

/** A transport's refusal of a publish, saying what was delivered locally all the same. */
function sendFailed(
  ctx: BusContext,
  error: unknown,
  event: string,
  topic: string,
  localDeliveries: number,
): Error {
  return wrapTransport(
    ctx,
    error,
    `publish of ${event} on "${topic}" did not reach the ${ctx.transport.name} transport${localDeliveries ? ` (delivered to ${localDeliveries} local subscriptions)` : ''}`,
    topic,
  );
}
