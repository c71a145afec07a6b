/**
 * A transport that only holds the bus's sink, so a benchmark can feed the receive path directly
 * with pre-encoded bytes and measure it without any transport in between.
 */
import { ConnectionState, type Transport, type TransportSink } from '../../src/index.js';

/** A transport whose sink the bench drives. */
export interface CaptureTransport extends Transport {
  /** The sink the bus connected with; throws before `start()`. */
  sink(): TransportSink;
}

/** Creates a capture transport. Publishes are accepted and discarded. */
export function captureTransport(): CaptureTransport {
  let held: TransportSink | undefined;
  let channels = 0;
  return {
    name: 'capture',
    async connect(sink) {
      held = sink;
      sink.event({ type: 'connected' });
    },
    async publish() {},
    async subscribe() {
      channels++;
    },
    async unsubscribe() {
      channels--;
    },
    async close() {
      held = undefined;
    },
    status: () => ({
      name: 'capture',
      state: held ? ConnectionState.Connected : ConnectionState.Closed,
      since: 0,
      channels,
    }),
    sink() {
      if (!held) throw new Error('capture transport: the bus has not started');
      return held;
    },
  };
}
