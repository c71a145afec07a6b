/**
 * Receipts. A publish that sent something resolves, once the transport took it, to a plain
 * `PublishReceipt`. A publish that sent nothing (in-process: local dispatch only) is settled the
 * moment `broadcast` returns, and most callers never await it: it returns a `SettledReceipt`, a
 * `Promise<PublishReceipt>` that makes its promise and its receipt only when someone calls
 * `then`, `catch`, `finally` or awaits it. A fire-and-forget in-process publish allocates neither
 * (issue 16: a promise and a receipt were a third of its cost). Failures are never lazy: a refused
 * publish returns a rejected promise at once, as before, so nothing fails unseen.
 */
import type { BusContext } from './context.js';
import type { PublishReceipt } from './types.js';

/** What a publish resolves to. */
export function receiptOf(
  ctx: BusContext,
  id: string,
  seq: number,
  topic: string,
  event: string,
  localDeliveries: number,
  sent: boolean,
): PublishReceipt {
  const { transport } = ctx;
  return {
    transport: transport.name,
    degraded: transport.degraded === true,
    id,
    seq,
    topic,
    event,
    localDeliveries,
    sent,
  };
}

/** The transport part of a receipt: which transport, and whether it was a fallback. */
export interface ReceiptBase {
  readonly transport: string;
  readonly degraded: boolean;
}

/** The transport part of a receipt made now: the bus's last one, unless its transport changed. */
function baseOf(ctx: BusContext): ReceiptBase {
  const { transport } = ctx;
  const name = transport.name;
  const degraded = transport.degraded === true;
  const base = ctx.receiptBase;
  if (base !== undefined && base.transport === name && base.degraded === degraded) return base;
  ctx.receiptBase = { transport: name, degraded };
  return ctx.receiptBase;
}

/**
 * The receipt of a publish that settled as it was made; its promise is made on first use. Six
 * fields (72 bytes): the transport's name and state as it was at publish, shared with the bus's
 * other receipts, until the promise takes their place.
 *
 * Its fields are declared, not defined (`declare`: no class field initializers): a class with
 * fields makes V8 run an initializer that defines each field before the constructor assigns it,
 * on every publish (the `new` of this class was 5% of an in-process publish). They are TypeScript
 * `private`, not `#`: private names are defined by that same initializer.
 */
export class SettledReceipt implements Promise<PublishReceipt> {
  declare private state: ReceiptBase | Promise<PublishReceipt>;
  declare private readonly id: string;
  declare private readonly seq: number;
  declare private readonly topic: string;
  declare private readonly event: string;
  declare private readonly localDeliveries: number;

  constructor(
    ctx: BusContext,
    id: string,
    seq: number,
    topic: string,
    event: string,
    localDeliveries: number,
  ) {
    this.state = baseOf(ctx);
    this.id = id;
    this.seq = seq;
    this.topic = topic;
    this.event = event;
    this.localDeliveries = localDeliveries;
  }

  get [Symbol.toStringTag](): string {
    return 'Promise';
  }

  // biome-ignore lint/suspicious/noThenProperty: a Promise-compatible receipt is the point
  then<A = PublishReceipt, B = never>(
    onFulfilled?: ((receipt: PublishReceipt) => A | PromiseLike<A>) | null,
    onRejected?: ((reason: unknown) => B | PromiseLike<B>) | null,
  ): Promise<A | B> {
    return this.settled().then(onFulfilled, onRejected);
  }

  catch<B = never>(
    onRejected?: ((reason: unknown) => B | PromiseLike<B>) | null,
  ): Promise<PublishReceipt | B> {
    return this.settled().catch(onRejected);
  }

  finally(onFinally?: (() => void) | null): Promise<PublishReceipt> {
    return this.settled().finally(onFinally);
  }

  private settled(): Promise<PublishReceipt> {
    const state = this.state;
    if (state instanceof Promise) return state;
    const promise = Promise.resolve({
      transport: state.transport,
      degraded: state.degraded,
      id: this.id,
      seq: this.seq,
      topic: this.topic,
      event: this.event,
      localDeliveries: this.localDeliveries,
      sent: false,
    });
    this.state = promise;
    return promise;
  }
}
