/**
 * The state one gateway shares between its steps (open a stream, publish, close): its resolved
 * settings, its feeds and connections, and its counters.
 */
import { randomBytes } from 'node:crypto';
import type { Bus } from '../create-bus.js';
import { ConfigError } from '../errors.js';
import type { Connection, ConnectionHooks } from './connection.js';
import type { Feeds } from './feeds.js';
import { refusalCounters } from './refusal.js';
import type { GatewayLimits, GatewayOptions, GatewayStats, RefusalReason } from './types.js';

/** Default limits (docs/gateway.md#limits). */
export const GATEWAY_LIMITS: Required<GatewayLimits> = {
  subscriptionsPerConnection: 32,
  connectionsPerIdentity: 16,
  connections: 20_000,
  maxUrlBytes: 4096,
  maxBodyBytes: 65_536,
  maxDepth: 32,
  queue: 512,
  resumeBuffer: 256,
  resumeMs: 30_000,
};

/** Resolved settings. */
export interface GatewaySettings {
  readonly limits: Required<GatewayLimits>;
  readonly basePath: string;
  readonly heartbeatMs: number;
  readonly retryMs: number;
  readonly publish: boolean;
}

/** Mutable counters behind `stats()`. */
export interface GatewayCounters {
  delivered: number;
  replayed: number;
  published: number;
  gaps: Record<'overflow' | 'resume' | 'transport', number>;
  refused: Record<RefusalReason, number>;
}

/** What every step of one gateway reads and updates. */
export interface GatewayState {
  readonly bus: Bus;
  readonly options: GatewayOptions;
  readonly settings: GatewaySettings;
  readonly feeds: Feeds;
  readonly connections: Set<Connection>;
  /** Open connections per identity. */
  readonly perIdentity: Map<string, number>;
  readonly counters: GatewayCounters;
  /** The counters' hooks, shared by every connection (nothing per connection). */
  readonly hooks: ConnectionHooks;
  /** This gateway's epoch: the first part of every resume id. */
  readonly epoch: string;
  /** A new connection id (also the presence owner of its presence). */
  connectionId(): string;
  closed: boolean;
}

/** Checks and fills in the options. Bad values throw a ConfigError. */
export function settingsOf(options: GatewayOptions): GatewaySettings {
  const limits = { ...GATEWAY_LIMITS, ...options.limits };
  for (const [name, value] of Object.entries(limits)) {
    if (!Number.isInteger(value) || value < 0) {
      throw new ConfigError(`gateway limits.${name} ${String(value)} is invalid`, {
        hint: 'use a non-negative integer',
      });
    }
  }
  const basePath = (options.basePath ?? '').replace(/\/+$/, '');
  if (basePath !== '' && !/^\/[A-Za-z0-9._~\-/]*$/.test(basePath)) {
    throw new ConfigError(`gateway basePath "${basePath}" is invalid`, {
      hint: 'use a path such as "/herald"',
    });
  }
  return {
    limits,
    basePath,
    heartbeatMs: options.heartbeatMs ?? 15_000,
    retryMs: options.retryMs ?? 1000,
    publish: options.publish ?? true,
  };
}

/** Zeroed counters. */
export function newCounters(): GatewayCounters {
  return {
    delivered: 0,
    replayed: 0,
    published: 0,
    gaps: { overflow: 0, resume: 0, transport: 0 },
    refused: refusalCounters(),
  };
}

/** The hooks through which connections move the counters. */
export function hooksOf(counters: GatewayCounters): ConnectionHooks {
  return {
    delivered: () => counters.delivered++,
    overflow: (lost) => (counters.gaps.overflow += lost.length),
  };
}

/** A stats snapshot. */
export function snapshot(state: GatewayState): GatewayStats {
  const { counters } = state;
  return {
    connections: state.connections.size,
    topics: state.feeds.size,
    delivered: counters.delivered,
    gaps: { ...counters.gaps },
    replayed: counters.replayed,
    published: counters.published,
    refused: { ...counters.refused },
  };
}

/** Connection ids: a random prefix per gateway and a counter. */
export function connectionIds(): () => string {
  const prefix = randomBytes(6).toString('base64url');
  let n = 0;
  return () => `${prefix}-${(++n).toString(36)}`;
}
