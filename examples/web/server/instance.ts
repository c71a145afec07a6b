/**
 * One instance of the web demo: a bus (on the transport the launcher chose), the gateway that
 * carries its verified events to pages, the operations broadcaster that reports its health and
 * metrics and raises the demo's alerts, the shared counter, the forger behind the "wrong key" button, and the HTTP server
 * that serves the page. `startInstance` is what each child process runs (instance entry) and
 * what the in-process mode runs three times on one hub.
 */
import type { Server } from 'node:http';
import { createGateway, type Gateway } from '../../../src/gateway/index.js';
import {
  type Bus,
  type ChainOptions,
  createBus,
  type KeyConfig,
  type TransportChoice,
} from '../../../src/index.js';
import { createClient, validators } from '../generated/client.js';
import { registry } from '../registry.js';
import type { DemoTimings } from '../settings.js';
import { access } from './access.js';
import { loadAssets } from './assets.js';
import { type Counts, sharedCounter, total } from './counter.js';
import { createForger } from './forge.js';
import { close, GATEWAY_PATH, handler, listen } from './http.js';
import { demoOperations, raiseAlerts } from './operations.js';

/** What one instance needs. */
export interface InstanceOptions {
  readonly nodeId: string;
  /** HTTP port; taken or 0: a free one. */
  readonly port: number;
  readonly keys: KeyConfig;
  /** A new transport choice for each bus the instance makes (its own, and the forger's). */
  readonly transport: () => TransportChoice;
  readonly transportOptions: ChainOptions;
  readonly timings: DemoTimings;
}

/** A running instance. */
export interface Instance {
  readonly nodeId: string;
  readonly url: string;
  readonly bus: Bus<typeof registry.defs>;
  readonly gateway: Gateway;
  /** Stops serving, then the bus (its presences leave everywhere at once). */
  stop(): Promise<void>;
}

/** What `GET /api/state` answers. */
export interface InstanceState {
  readonly node: string;
  readonly transport: string;
  readonly counts: Counts;
  readonly total: number;
  readonly timings: DemoTimings;
  /** The instances up, as this one's cluster view has them. */
  readonly nodes: readonly string[];
  /** The instances lost. */
  readonly lost: readonly string[];
}

/** Starts an instance and resolves once its page is served. */
export async function startInstance(options: InstanceOptions): Promise<Instance> {
  const { nodeId, timings } = options;
  const ops = demoOperations(timings);
  const bus = createBus({
    registry,
    validators,
    keys: options.keys,
    nodeId,
    transport: options.transport(),
    transportOptions: options.transportOptions,
    presence: { heartbeatMs: timings.heartbeatMs, downAfterMs: timings.downAfterMs },
    features: [ops],
  });
  await bus.start();
  const client = createClient(bus);
  const stopAlerts = await raiseAlerts(ops, bus, client);
  const counter = await sharedCounter(client, nodeId);
  const kid = options.keys.keys[0]?.kid ?? 'demo';
  const forger = await createForger({
    bus,
    kid,
    transport: options.transport,
    transportOptions: options.transportOptions,
  });
  const gateway = createGateway(bus, { basePath: GATEWAY_PATH, ...access(nodeId) });
  const state = (): InstanceState => {
    const counts = counter.counts();
    const { nodes, lost } = ops.cluster();
    return {
      node: nodeId,
      transport: bus.transport().name,
      counts,
      total: total(counts),
      timings,
      nodes: (nodes ?? []).map((member) => member.node),
      lost: lost ?? [],
    };
  };
  const demo = {
    state,
    increment: async () => {
      const counts = await counter.increment();
      return { counts, total: total(counts) };
    },
    forge: () => forger.forge(),
  };
  const assets = await loadAssets();
  const served: { server: Server; port: number } = await listen(
    handler(assets, demo, gateway.node),
    options.port,
  );
  return {
    nodeId,
    url: `http://127.0.0.1:${served.port}/`,
    bus,
    gateway,
    async stop() {
      await gateway.close();
      await close(served.server);
      await forger.stop();
      await stopAlerts();
      await counter.close();
      await bus.stop();
    },
  };
}
