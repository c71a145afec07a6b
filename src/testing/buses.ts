/**
 * Several started buses in one call, each on its own transport instance: by default on one fresh
 * in-process hub (isolated from every other test), or on transports from a factory (Redis,
 * PostgreSQL, a custom one). `stopAll()` stops them all.
 */
import { randomBytes } from 'node:crypto';
import { createLocalHub, type LocalHub } from '../adapters/local.js';
import type { Transport } from '../adapters/transport.js';
import { type Bus, type BusOptions, createBus } from '../create-bus.js';
import type { TopicDefs } from '../schemas/define.js';
import { testKeys } from './keys.js';

/** Options of {@link createTestBuses}. */
export interface TestBusesOptions<D extends TopicDefs> {
  readonly registry: BusOptions<D>['registry'];
  /**
   * Makes the transport of bus number `index` (one instance per bus).
   * @default a transport on one fresh `createLocalHub()` shared by these buses
   */
  readonly transportFactory?: (index: number) => Transport | Promise<Transport>;
  /** @default testKeys() */
  readonly keys?: BusOptions<D>['keys'];
  /**
   * Node ids are `<prefix>-<index>`.
   * @default `test-<8 random hex>`
   */
  readonly nodePrefix?: string;
  /** Any other bus options (limits, freshness, queue, validators, now), for every bus. */
  readonly busOptions?: Omit<BusOptions<D>, 'registry' | 'keys' | 'transport' | 'nodeId'>;
}

/** Started test buses. */
export interface TestBuses<D extends TopicDefs> {
  /** The buses, in index order, all started. */
  readonly buses: readonly Bus<D>[];
  /** The in-process hub they share, when no `transportFactory` was given. */
  readonly hub: LocalHub | undefined;
  /** Stops every bus (in parallel); rejects with the first failure after trying them all. */
  stopAll(): Promise<void>;
}

/**
 * Creates and starts `count` buses with test keys.
 * @example
 * const { buses: [a, b], stopAll } = await createTestBuses(2, { registry });
 */
export async function createTestBuses<const D extends TopicDefs>(
  count: number,
  options: TestBusesOptions<D>,
): Promise<TestBuses<D>> {
  if (!Number.isInteger(count) || count < 1) {
    throw new RangeError(`createTestBuses: count must be a positive integer, got ${count}`);
  }
  const hub = options.transportFactory ? undefined : createLocalHub();
  const factory = options.transportFactory ?? (() => (hub as LocalHub).transport());
  const prefix = options.nodePrefix ?? `test-${randomBytes(4).toString('hex')}`;
  const keys = options.keys ?? testKeys();
  const buses: Bus<D>[] = [];
  const stopAll = async (): Promise<void> => {
    const results = await Promise.allSettled(buses.map((bus) => bus.stop()));
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
  };
  try {
    for (let index = 0; index < count; index++) {
      const bus = createBus<D>({
        ...options.busOptions,
        registry: options.registry,
        keys,
        transport: await factory(index),
        nodeId: `${prefix}-${index}`,
      });
      buses.push(bus);
      await bus.start();
    }
  } catch (error) {
    await stopAll().catch(() => undefined);
    throw error;
  }
  return { buses, hub, stopAll };
}
