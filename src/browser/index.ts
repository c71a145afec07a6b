/**
 * `herald/browser`: the page side of the gateway (docs/gateway.md#the-browser-client). ESM with
 * no Node imports. `herald codegen --browser` emits a typed client over it (`browser.ts`) and
 * the precompiled checks it can validate with (`browser-validators.ts`).
 */

export type { GatewayClient, PageHandler, PagePresenceEvent } from './client.js';
export { createGatewayClient } from './client.js';
export type {
  ClientStatus,
  GatewayClientOptions,
  PageSubscribeOptions,
  PayloadCheck,
  Refusal,
} from './options.js';
export { GatewayRefusal } from './options.js';
export type {
  GapReason,
  PageGap,
  PageMessage,
  PageReady,
  PublishAnswer,
  RefusalBody,
} from './protocol.js';
export type {
  PageEventClient,
  PageMessageOf,
  PagePresenceClient,
  PageTemplateClient,
  PageTopicClient,
} from './typed.js';
export {
  fillTemplate,
  pageEvent,
  pagePresence,
  pageTemplate,
  pageTopic,
  topicKeys,
} from './typed.js';
