/**
 * `herald/gateway`: typed, verified bus events to browser pages over Server-Sent Events, and
 * page publishes as plain POSTs through the same authorization (docs/gateway.md).
 *
 * ```ts
 * const gateway = createGateway(bus, { authorize: (request, topic, params) => … });
 * http.createServer(gateway.node).listen(3000); // or: app.get('/events', (c) => gateway.fetch(c.req.raw))
 * ```
 */
export type { WireMessage } from './frames.js';
export { createGateway } from './gateway.js';
export { REFUSAL_STATUS } from './refusal.js';
export { GATEWAY_LIMITS } from './state.js';
export type {
  Authorize,
  AuthorizeResult,
  ConnectionInfo,
  ConnectionPresence,
  Gateway,
  GatewayAction,
  GatewayLimits,
  GatewayOptions,
  GatewayStats,
  NodeHandler,
  RefusalBody,
} from './types.js';
export { RefusalReason } from './types.js';
