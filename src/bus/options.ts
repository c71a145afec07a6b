/**
 * Options and their defaults: everything `createBus` checks before it builds anything, so a
 * configuration error (no registry, a bad node id, bad batching) throws at creation, not at start.
 */
import { randomBytes } from 'node:crypto';
import { ConfigError } from '../errors.js';
import { DEFAULT_MAX_BYTES, ID_PATTERN } from '../rules.js';
import type { Registry, TopicDefs } from '../schemas/define.js';
import { MAX_BATCH } from '../security/codec.js';
import type { FreshnessOptions } from '../security/freshness.js';
import type { BusCoreOptions } from './types.js';

/** A node id: the one id rule of src/rules.ts (1-64 characters of [A-Za-z0-9_.-]). */
export const NODE_ID = ID_PATTERN;

/** A subscription's queue limit when neither it nor the bus sets one. */
export const DEFAULT_QUEUE_LIMIT = 1024;

/** The largest encoded message, when `limits.maxBytes` is not set (src/rules.ts). */
export { DEFAULT_MAX_BYTES };

/**
 * With run-time failover, a failback leaves messages queued on the slower transport that arrive
 * after newer ones from the faster: thousands of sequence numbers late under load. The default
 * reorder window then grows from 1,024 to 16,384 (2 KB per publisher) so they are not refused as
 * replays; an explicit `freshness.reorderWindow` is kept.
 */
export const FAILOVER_REORDER_WINDOW = 16_384;

/** The registry of the options, or a ConfigError. */
export function registryOf<D extends TopicDefs>(options: BusCoreOptions<D>): Registry<D> {
  const { registry } = options;
  if (registry?.kind !== 'registry') {
    throw new ConfigError('createBus needs a registry', {
      hint: 'pass registry: defineTopics({ ... })',
    });
  }
  return registry;
}

/** The node id of the options (a random one when unset), or a ConfigError. */
export function nodeIdOf(options: BusCoreOptions<TopicDefs>): string {
  const nodeId = options.nodeId ?? `node-${randomBytes(4).toString('hex')}`;
  if (!NODE_ID.test(nodeId)) {
    throw new ConfigError(`node id "${nodeId}" is invalid`, {
      hint: 'node ids are 1-64 characters of [A-Za-z0-9_.-]',
    });
  }
  return nodeId;
}

/** Freshness options, with the failover reorder window when failover is on. */
export function freshnessDefaults(
  options: BusCoreOptions<TopicDefs>,
): FreshnessOptions | undefined {
  const failover = options.transportOptions?.failover;
  if (!failover || options.freshness?.reorderWindow !== undefined) return options.freshness;
  return { ...options.freshness, reorderWindow: FAILOVER_REORDER_WINDOW };
}

/** Resolved batching options. */
export interface BatchSettings {
  readonly maxMessages: number;
  readonly maxBytes: number;
  /**
   * True when batching was asked for (`true` or an options object): every transport batches,
   * custom ones marked neither `remote` nor `batched` included. False (the default): only
   * transports marked `remote` or `batched` do.
   */
  readonly everywhere: boolean;
}

/**
 * Resolved batching options, or undefined when batching is off (`batching: false`). Unset, it is
 * on over remote transports (docs/bus.md#micro-batching).
 */
export function batchSettings(
  option: BusCoreOptions<TopicDefs>['batching'],
): BatchSettings | undefined {
  if (option === false) return undefined;
  const { maxMessages = 100, maxBytes = Number.POSITIVE_INFINITY } =
    option === undefined || option === true ? {} : option;
  if (!Number.isInteger(maxMessages) || maxMessages < 1 || maxMessages > MAX_BATCH) {
    throw new ConfigError(`batching.maxMessages ${String(maxMessages)} is invalid`, {
      hint: `use an integer from 1 to ${MAX_BATCH}`,
    });
  }
  if (!(maxBytes >= 1024)) {
    throw new ConfigError(`batching.maxBytes ${String(maxBytes)} is invalid`, {
      hint: 'use at least 1024 bytes',
    });
  }
  return { maxMessages, maxBytes, everywhere: option !== undefined };
}
