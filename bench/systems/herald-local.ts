/**
 * Herald on one bus with the in-process transport (on a hub of its own): publish → validate → local dispatch →
 * per-subscription queue → handler. Nothing is encoded or signed (no other bus subscribes, so
 * the transport reports no remote interest) — exactly what a same-process subscriber gets.
 */
import {
  type Bus,
  createBus,
  createLocalHub,
  localTransport,
  type Message,
} from '../../src/index.js';
import { KEYS, PAYLOADS, type Posted, RAW_TOPIC, registry, TOPIC } from '../fixtures.js';
import type { System } from '../harness.js';
import { blackhole, Deliveries, drive } from '../support.js';
import { heraldVersion } from '../versions.js';
import type { InProcessOptions } from './emitters.js';

/** How the Herald system publishes. */
export interface HeraldLocalOptions extends InProcessOptions {
  readonly id: string;
  readonly label: string;
  /**
   * `typed`: `broadcast` on a typed topic, payload checked by the compiled TypeBox validator.
   * `raw`: `broadcastRaw` on a raw topic, which Herald never validates (validation off).
   */
  readonly topic: 'typed' | 'raw';
  /** Await each publish before the next (default: fire a window, then wait for deliveries). */
  readonly awaitEach?: boolean;
  /** `false` turns tracing and metrics off (default: the bus's default instrumentation). */
  readonly instrumentation?: false;
}

/** Herald, one bus, `subscribers` subscriptions on one topic. */
export function heraldLocalSystem(options: HeraldLocalOptions): System {
  const { subscribers, window, awaitEach = false } = options;
  const raw = options.topic === 'raw';
  const deliveries = new Deliveries();
  let bus: Bus<typeof registry.defs> | undefined;
  const handler = (message: Message): void => {
    blackhole.value += (message.payload as Posted).n;
    deliveries.hit();
  };
  return {
    id: options.id,
    label: options.label,
    note: `herald ${heraldVersion()}, one bus, in-process transport, ${subscribers} subscription(s), ${raw ? 'raw topic via broadcastRaw (no validation)' : 'typed topic, compiled TypeBox check on publish'}${awaitEach ? ', each publish awaited' : ', fire-and-forget publishes'}${options.instrumentation === false ? ', instrumentation off' : ', default instrumentation (no SDK registered)'}`,
    async setup() {
      // A hub of its own: another bench bus on the same topic would make this one encode and
      // sign for it. An explicit Transport object also keeps HERALD_TRANSPORT out of the way.
      bus = createBus({
        registry,
        keys: KEYS,
        nodeId: `bench-${options.id}`,
        transport: localTransport({ hub: createLocalHub() }),
        ...(options.instrumentation === false ? { instrumentation: false } : {}),
      });
      await bus.start();
      // Default queue settings (1024 per subscription): a window must fit in it.
      if (window > 1024) throw new Error(`window ${window} exceeds the default queue limit`);
      for (let s = 0; s < subscribers; s++) {
        if (raw) await bus.subscribe(RAW_TOPIC, handler);
        else await bus.subscribe(TOPIC, handler);
      }
    },
    async run(n) {
      const b = bus!;
      if (awaitEach) {
        deliveries.start(n * subscribers);
        for (let i = 0; i < n; i++) {
          if (raw) await b.broadcastRaw(RAW_TOPIC, 'posted', PAYLOADS[i & 63]);
          else await b.broadcast(TOPIC, 'posted', PAYLOADS[i & 63]!);
        }
        await deliveries.until(n * subscribers);
        deliveries.check();
        return undefined;
      }
      const send = raw
        ? (i: number) => void b.broadcastRaw(RAW_TOPIC, 'posted', PAYLOADS[i & 63])
        : (i: number) => void b.broadcast(TOPIC, 'posted', PAYLOADS[i & 63]!);
      await drive(n, window, deliveries, send, subscribers);
      return undefined;
    },
    verify() {
      const stats = bus!.stats();
      if (stats.overflowDrops > 0 || stats.handlerErrors > 0 || stats.sent > 0) {
        throw new Error(
          `${options.label}: ${stats.overflowDrops} overflow drops, ${stats.handlerErrors} handler errors, ${stats.sent} messages sent to the transport (expected 0 each)`,
        );
      }
    },
    async teardown() {
      await bus?.stop();
    },
  };
}
