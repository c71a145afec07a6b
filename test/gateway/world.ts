/**
 * The gateway tests' world (registry: ./fixture/registry.ts): two buses on one in-process hub (`app` serves the gateway, `peer` publishes
 * from "another instance", so its messages arrive signed and verified), and a node:http server.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createGateway, type GatewayOptions } from '../../src/gateway/index.js';
import type { Instrumentation } from '../../src/index.js';
import { createBus, createLocalHub } from '../../src/index.js';
import { testKeys } from '../../src/testing/index.js';
import { registry } from './fixture/registry.js';

/** Two started buses on one hub, a gateway on the first, served by node:http. */
export async function world(
  options: GatewayOptions = { authorize: (_r, t) => t.startsWith('room:') },
  instrumentation: Instrumentation | false = false,
) {
  const hub = createLocalHub();
  const keys = testKeys('gw-test');
  const app = createBus({
    registry,
    keys,
    transport: hub.transport(),
    nodeId: 'app-1',
    instrumentation,
    log: false,
    presence: { heartbeatMs: 100, downAfterMs: 1000 },
  });
  const peer = createBus({
    registry,
    keys,
    transport: hub.transport(),
    nodeId: 'peer-1',
    instrumentation,
    log: false,
    presence: { heartbeatMs: 100, downAfterMs: 1000 },
  });
  await Promise.all([app.start(), peer.start()]);
  const gateway = createGateway(app, options);
  const server: Server = createServer(gateway.node);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    app,
    peer,
    gateway,
    base,
    /** Cuts every open connection (the pages see a network drop). */
    cut: () => server.closeAllConnections(),
    async close() {
      await gateway.close();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await Promise.all([app.stop(), peer.stop()]);
    },
  };
}
