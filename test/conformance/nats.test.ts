/**
 * The transport conformance suite on NATS: a private nats-server (its monitoring port lists the
 * server-side subscriptions, `/subsz`), under a prefix unique to this run, one envelope per
 * message and with micro-batching. With `CI=true` a missing nats-server fails the file.
 */
import { afterAll, describe, it } from 'vitest';
import { natsTransport, subjectOf } from '../../src/adapters/nats/index.js';
import { runTransportConformance } from '../../src/testing/conformance.js';
import { newRunId } from '../../src/testing/index.js';
import { startNatsServer } from '../support/nats-server.js';
import { inCI } from '../support/services.js';

const prefix = `hconf.${newRunId().replace(/[^A-Za-z0-9_-]/g, '_')}`;

const server = await startNatsServer().catch((error: unknown) => {
  const problem = error instanceof Error ? error.message : String(error);
  if (inCI()) throw new Error(`CI=true: cannot start nats-server: ${problem}`);
  console.warn(`!! SKIPPING the NATS conformance run: ${problem}`);
  return undefined;
});

if (server) {
  afterAll(() => server.stop());
  for (const batching of [false, true]) {
    runTransportConformance({
      name: 'nats',
      batching,
      createTransport: () => natsTransport({ url: server.url, prefix }),
      serverChannels: async () =>
        (await server.subjects()).filter((s) => s.startsWith(`${prefix}.`)),
      channelName: (channel) => subjectOf(prefix, channel),
      largePayloadBytes: 512 * 1024,
    });
  }
} else {
  describe('transport conformance: nats', () => {
    it.skip('needs nats-server', () => undefined);
  });
}
