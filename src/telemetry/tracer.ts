/**
 * Finding the tracer: the given TracerProvider, else the global one of `@opentelemetry/api`,
 * looked up lazily so that an SDK started after the bus is still used. While the global provider
 * has no SDK behind it, the lookup answers "no tracer" and Herald skips span work entirely.
 */
import { ProxyTracerProvider, type Tracer, type TracerProvider, trace } from '@opentelemetry/api';
import { SCOPE_NAME } from './metrics.js';

/** Resolves Herald's tracer on demand. */
export class TracerSource {
  readonly #fixed: TracerProvider | undefined;
  #tracer: Tracer | undefined;
  #from: TracerProvider | undefined;

  constructor(provider?: TracerProvider) {
    this.#fixed = provider;
  }

  /** The tracer, or undefined while no SDK is registered behind the global API. */
  current(): Tracer | undefined {
    const provider = this.#fixed ?? trace.getTracerProvider();
    if (provider === this.#from && this.#tracer !== undefined) return this.#tracer;
    if (provider instanceof ProxyTracerProvider) {
      // The global provider is a proxy; without a delegate every span would be a no-op.
      const delegate = provider.getDelegateTracer(SCOPE_NAME);
      if (delegate === undefined) return undefined;
      this.#from = provider;
      this.#tracer = delegate;
      return delegate;
    }
    this.#from = provider;
    this.#tracer = provider.getTracer(SCOPE_NAME);
    return this.#tracer;
  }
}
