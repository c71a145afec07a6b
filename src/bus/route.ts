/**
 * Where a publish goes: one member per broadcast variant, and its `kind` is the publish span's
 * kind (`PublishKind`, instrumentation.ts). A new variant (Phoenix's
 * `local_broadcast_from`, say) is one member here and one case in each switch below; the
 * compiler finds every place that must handle it.
 */
import type { SubscriberState } from './table.js';

/** The route of one publish. */
export type Route =
  /** Every subscription of the topic, on every node. */
  | { readonly kind: 'broadcast' }
  /** As `broadcast`, except the sender's own subscriptions on this node. */
  | { readonly kind: 'broadcast_from'; readonly exclude: SubscriberState }
  /** The subscriptions of the topic on one node (this one included). */
  | { readonly kind: 'direct'; readonly to: string }
  /** This node's subscriptions only: never encoded, signed or sent. */
  | { readonly kind: 'local' }
  /** A raw topic's broadcast: no registry schema, an identifier as event name. */
  | { readonly kind: 'raw' };

// Shared, so a publish allocates no route object.
export const BROADCAST: Route = Object.freeze({ kind: 'broadcast' });
export const LOCAL: Route = Object.freeze({ kind: 'local' });
export const RAW: Route = Object.freeze({ kind: 'raw' });

/** The node a route addresses, if one. */
export function targetOf(route: Route): string | undefined {
  return route.kind === 'direct' ? route.to : undefined;
}

/** Whether the route leaves this node (is encoded, signed and handed to the transport). */
export function leavesNode(route: Route, nodeId: string): boolean {
  switch (route.kind) {
    case 'local':
      return false;
    case 'direct':
      return route.to !== nodeId;
    case 'broadcast':
    case 'broadcast_from':
    case 'raw':
      return true;
  }
}

/**
 * Whether the route never leaves this node, to whichever node it is addressed: its versions
 * need not be announced to a shared schema store.
 */
export function staysLocal(route: Route): boolean {
  switch (route.kind) {
    case 'local':
      return true;
    case 'broadcast':
    case 'broadcast_from':
    case 'direct':
    case 'raw':
      return false;
  }
}

/** Whether the route reaches this node's subscriptions. */
export function reachesNode(route: Route, nodeId: string): boolean {
  return route.kind !== 'direct' || route.to === nodeId;
}

/** The sender whose subscriptions a route skips, if one. */
export function excludedBy(route: Route): SubscriberState | undefined {
  return route.kind === 'broadcast_from' ? route.exclude : undefined;
}
