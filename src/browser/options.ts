/**
 * Options and public types of the browser client (`herald/browser`): where the gateway is, how
 * to authenticate, optional validation, and the callbacks for gaps, status and refusals.
 */
import type { PageGap, PageMessage, RefusalBody } from './protocol.js';

/** A precompiled payload check (from `herald codegen`'s `browser-validators.ts`). */
export type PayloadCheck = (value: unknown) => boolean;

/** Where the client's stream is. */
export type ClientStatus = 'idle' | 'connecting' | 'open' | 'reconnecting' | 'refused' | 'closed';

/** A refusal from the gateway: its HTTP status and JSON body. */
export interface Refusal extends RefusalBody {
  readonly status: number;
}

/** Options of `createGatewayClient`. */
export interface GatewayClientOptions {
  /**
   * The gateway's base URL: the client uses `<url>/events` and `<url>/publish`.
   * @example '/herald' or 'https://app.example.com/herald'
   */
  readonly url: string;
  /** @default globalThis.fetch */
  readonly fetch?: typeof fetch;
  /** Extra request headers (an `Authorization` header, a CSRF token), or a function of them. */
  readonly headers?:
    | Record<string, string>
    | (() => Record<string, string> | Promise<Record<string, string>>);
  /** @default 'same-origin' */
  readonly credentials?: 'omit' | 'same-origin' | 'include';
  /**
   * Checks by `<topicKey>.<event>@<version>`: with them, a message whose payload fails (or
   * whose version has no check) is not delivered and goes to `onInvalid`.
   */
  readonly validators?: Readonly<Record<string, PayloadCheck>>;
  /** The registry key of a concrete topic, for `validators` (the generated client gives it). */
  readonly topicKey?: (topic: string) => string | undefined;
  /**
   * Reconnect delays: exponential from `minMs` to `maxMs`, with jitter.
   * @default { minMs: 500, maxMs: 10000 }
   */
  readonly retry?: { readonly minMs?: number; readonly maxMs?: number };
  /** Any topic's gap (a subscription's own `onGap` is called too). */
  readonly onGap?: (gap: PageGap) => void;
  readonly onStatus?: (status: ClientStatus) => void;
  /** A refusal: of the stream (every topic stops) or of one topic (that topic is dropped). */
  readonly onRefused?: (refusal: Refusal) => void;
  /** A message that failed `validators`; it was not delivered. */
  readonly onInvalid?: (message: PageMessage, key: string) => void;
}

/** Options of one subscription. */
export interface PageSubscribeOptions<E extends string = string> {
  /** Only these events. */
  readonly events?: readonly E[];
  /** This topic may have lost messages: reload its state. */
  readonly onGap?: (gap: PageGap) => void;
  /** The gateway refused this topic; the subscription is over. */
  readonly onRefused?: (refusal: Refusal) => void;
}

/** The error of a refused `publish`. */
export class GatewayRefusal extends Error {
  override readonly name = 'GatewayRefusal';
  readonly status: number;
  readonly body: RefusalBody;
  constructor(status: number, body: RefusalBody) {
    super(`${body.error}: ${body.message}`);
    this.status = status;
    this.body = body;
  }
}
