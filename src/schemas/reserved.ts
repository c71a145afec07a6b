/**
 * Event names a registry may not declare. The object keys `__proto__`, `constructor` and
 * `prototype` are refused here, since payload maps are keyed by event name. System features of
 * the bus (presence today) deliver their own events on registry topics — presence sends
 * `presence_diff` to a topic's subscribers — so they reserve those names through
 * {@link reserveEventNames} when their module loads; this folder never imports them.
 */

const reserved = new Map<string, string>([
  ['__proto__', 'JavaScript'],
  ['constructor', 'JavaScript'],
  ['prototype', 'JavaScript'],
]);

/**
 * Reserves event names for a system feature, so `defineTopics` refuses them in every registry.
 * Idempotent; a name keeps the first feature that reserved it.
 */
export function reserveEventNames(feature: string, names: readonly string[]): void {
  for (const name of names) if (!reserved.has(name)) reserved.set(name, feature);
}

/** The feature that reserved an event name, or undefined when the name is free. */
export function reservedBy(name: string): string | undefined {
  return reserved.get(name);
}
