/**
 * A small typed event emitter for bus events. A listener that throws is isolated: the error is
 * reported with `reportError` semantics (an uncaught exception on the next tick would crash the
 * process, so it is written to stderr instead) and the other listeners still run.
 *
 * An event nobody listens to goes to the `unheard` callback instead: the bus's stderr report
 * (src/telemetry/report.ts). Adding a listener for a kind therefore takes that kind off stderr.
 */

/** Receives the events of kinds that have no listener. */
export type Unheard<Events extends object> = <K extends keyof Events>(
  event: K,
  value: Events[K],
) => void;

/** Typed listeners by event name. */
export class Emitter<Events extends object> {
  readonly #listeners = new Map<keyof Events, Set<(value: never) => void>>();
  readonly #unheard: Unheard<Events> | undefined;

  constructor(unheard?: Unheard<Events>) {
    this.#unheard = unheard;
  }

  /** Adds a listener; returns a function that removes it. */
  on<K extends keyof Events>(event: K, listener: (value: Events[K]) => void): () => void {
    let set = this.#listeners.get(event);
    if (!set) this.#listeners.set(event, (set = new Set()));
    set.add(listener as (value: never) => void);
    return () => {
      set.delete(listener as (value: never) => void);
    };
  }

  /**
   * True when somebody listens to `event`, or the unheard callback would get it (lets callers
   * skip building the value).
   */
  has(event: keyof Events): boolean {
    return this.#unheard !== undefined || (this.#listeners.get(event)?.size ?? 0) > 0;
  }

  emit<K extends keyof Events>(event: K, value: Events[K]): void {
    const set = this.#listeners.get(event);
    if (!set || set.size === 0) {
      this.#unheard?.(event, value);
      return;
    }
    for (const listener of set) {
      try {
        (listener as (value: Events[K]) => void)(value);
      } catch (error) {
        process.emitWarning(
          `herald: a "${String(event)}" listener threw: ${String(error)}`,
          'HeraldListenerWarning',
        );
      }
    }
  }

  clear(): void {
    this.#listeners.clear();
  }
}
