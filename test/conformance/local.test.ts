/**
 * The transport conformance suite on the in-process transport: every bus gets its own transport
 * on one hub shared by the whole file (topics are unique per test, so tests never cross). The
 * suite runs twice: one envelope per message, and with micro-batching on.
 */
import { createLocalHub } from '../../src/adapters/local.js';
import { runTransportConformance } from '../../src/testing/conformance.js';

const hub = createLocalHub();

for (const batching of [false, true]) {
  runTransportConformance({ name: 'local', createTransport: () => hub.transport(), batching });
}
