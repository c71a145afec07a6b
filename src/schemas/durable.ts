/**
 * Durable topics (docs/registry.md "Durable topics"): `durable: { maxAgeMs, maxBytes }` on a topic
 * declaration asks the transport to store its messages (on NATS, one JetStream stream per topic
 * template) so that a durable subscription resumes from its last acknowledged message. This file
 * holds the option's type, its defaults and its check; the bus and the transport read the
 * checked value from the topic's definition.
 */
import { ErrorCode, RegistryError } from '../errors.js';

/**
 * Retention of a durable topic: the server keeps its messages while they are younger than
 * `maxAgeMs` and fit in `maxBytes` (and `maxMessages`); the oldest go first.
 * @example { maxAgeMs: 7 * 24 * 3600_000, maxBytes: 1 << 30 }
 */
export interface DurableOptions {
  /** How long a message is kept, in ms (at least 1000). */
  readonly maxAgeMs: number;
  /** Most bytes kept for the topic template (at least 1024); the oldest messages go first. */
  readonly maxBytes: number;
  /** Most messages kept; unlimited when absent. */
  readonly maxMessages?: number;
  /**
   * How long the server remembers a message id to drop a second publish of it, in ms (at most
   * `maxAgeMs`).
   * @default the smaller of maxAgeMs and 120000
   */
  readonly duplicateWindowMs?: number;
}

/** Default of `duplicateWindowMs` when it is shorter than `maxAgeMs`: JetStream's own default. */
export const DEFAULT_DUPLICATE_WINDOW_MS = 120_000;

/** The duplicate window of a checked durable option. */
export const duplicateWindowOf = (durable: DurableOptions): number =>
  durable.duplicateWindowMs ?? Math.min(durable.maxAgeMs, DEFAULT_DUPLICATE_WINDOW_MS);

const positiveInt = (value: unknown, min: number): boolean =>
  typeof value === 'number' && Number.isSafeInteger(value) && value >= min;

/** Throws a RegistryError unless `durable` (of the topic `template`) is absent or valid. */
export function checkDurable(template: string, durable: unknown): void {
  if (durable === undefined) return;
  const fail = (field: string, what: string, hint: string): never => {
    throw new RegistryError(
      ErrorCode.RegistryInvalid,
      `topic "${template}": durable.${field} ${what}`,
      {
        topic: template,
        field: `durable.${field}`,
        hint,
      },
    );
  };
  if (typeof durable !== 'object' || durable === null) {
    fail('', 'must be an object', 'declare durable: { maxAgeMs, maxBytes }');
  }
  const d = durable as Record<string, unknown>;
  if (!positiveInt(d.maxAgeMs, 1000)) {
    fail(
      'maxAgeMs',
      'must be an integer of at least 1000 (ms)',
      'e.g. maxAgeMs: 86_400_000 (one day)',
    );
  }
  if (!positiveInt(d.maxBytes, 1024)) {
    fail('maxBytes', 'must be an integer of at least 1024', 'e.g. maxBytes: 1 << 30 (1 GiB)');
  }
  if (d.maxMessages !== undefined && !positiveInt(d.maxMessages, 1)) {
    fail('maxMessages', 'must be a positive integer', 'leave it out for no message limit');
  }
  if (
    d.duplicateWindowMs !== undefined &&
    (!positiveInt(d.duplicateWindowMs, 100) ||
      (d.duplicateWindowMs as number) > (d.maxAgeMs as number))
  ) {
    fail(
      'duplicateWindowMs',
      'must be an integer from 100 to maxAgeMs',
      'leave it out for min(maxAgeMs, 2 min)',
    );
  }
}
