/**
 * The checked registry's shape: what `defineTopics` returns and what the bus, codegen and the
 * lock file read (entries with compiled validators, look-ups by key and by concrete topic).
 */

import type { EventDef, ParamsOf, TopicDef, TopicDefs } from './declare.js';
import type { ParsedTemplate, TopicPattern } from './template.js';
import type { Validator } from './validator.js';

/** Metadata for the registry as a whole (AsyncAPI `info`). */
export interface RegistryInfo {
  /** @default 'Herald topics' */
  readonly title?: string;
  /** @default '1.0.0' */
  readonly version?: string;
  readonly description?: string;
}

/** One checked event, with its compiled validator. */
export interface EventEntry {
  readonly name: string;
  readonly def: EventDef;
  readonly validator: Validator;
}

/** One checked topic. */
export interface TopicEntry {
  readonly key: string;
  readonly def: TopicDef;
  readonly parsed: ParsedTemplate;
  readonly events: ReadonlyMap<string, EventEntry>;
  readonly paramValidators: ReadonlyMap<string, Validator>;
}

/** A concrete topic resolved against the registry. */
export interface ResolvedTopic {
  readonly entry: TopicEntry;
  readonly topic: string;
  readonly params: Readonly<Record<string, string>>;
}

/** A checked registry: the definitions, plus look-ups the bus and codegen use. */
export interface Registry<D extends TopicDefs = TopicDefs> {
  readonly kind: 'registry';
  readonly defs: D;
  readonly info: Required<Omit<RegistryInfo, 'description'>> & { readonly description?: string };
  /** Every topic, in declaration order. */
  readonly entries: readonly TopicEntry[];
  /** The entry of a topic key, or undefined. */
  entry(key: string): TopicEntry | undefined;
  /** Builds a concrete topic from a key and typed parameters; throws on invalid parameters. */
  topic<K extends keyof D & string>(key: K, params: ParamsOf<D[K]>): TopicPattern<D[K]['template']>;
  /** Maps a concrete topic back to its template and parameters. */
  resolve(topic: string): ResolvedTopic | undefined;
}
