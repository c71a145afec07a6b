/**
 * The instrumentation seam, as its implementers import it: the types live with the bus that
 * calls them (src/bus/instrumentation.ts), so that the publish span's kind is the route's kind
 * and the telemetry imports the bus, never the reverse.
 */
export type {
  Instrumentation,
  ProcessInfo,
  PublishInfo,
  PublishKind,
  PublishOutcome,
  PublishScope,
} from '../bus/instrumentation.js';
