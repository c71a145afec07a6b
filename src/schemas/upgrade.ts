/**
 * Reading a payload of any declared version as the latest one: validate it against its own
 * version, run the upcasters up to the latest (an identity step where none is declared),
 * validate after each step, and hand over a payload of the latest version — or a reason.
 *
 * Whether a version can be read at all is decided once per version, not per message: a version
 * that the latest cannot read (no upcaster, incompatible schema) is refused as a whole, so a
 * consumer never sees the subset of its messages that happen to validate.
 */

import { type ReadRoute, readRoute, type VersionSchema } from './compat/history.js';
import type { JsonSchema } from './compat/json.js';
import { canRead } from './compat/read.js';
import type { CompatOptions, Incompatibility } from './compat/types.js';
import type { EventEntry, TopicEntry } from './define.js';
import type { CheckFunction } from './validator.js';
import { createValidator, describeIssues, type Validator } from './validator.js';
import { versionSchemas } from './versions.js';

/** Why a payload was not read. */
export type ReadFailure = 'unsupported_version' | 'invalid_payload';

/** The result of reading one payload. */
export type ReadOutcome =
  | { readonly ok: true; readonly payload: unknown }
  | {
      readonly ok: false;
      readonly reason: ReadFailure;
      readonly detail: string;
      readonly field?: string;
    };

/** Reads one event's payloads, of any version it can, as its latest version. */
export interface EventReader {
  /** `<topicKey>.<event>`, as details name it. */
  readonly label: string;
  /** The latest declared version: what every read payload becomes. */
  readonly latest: number;
  /** True when the event declares this version. */
  declares(version: number): boolean;
  /** Reads a payload of a declared version. */
  read(version: number, data: unknown): ReadOutcome;
  /** Reads a payload of an undeclared version already judged readable: validates it as the latest. */
  readAsLatest(version: number, data: unknown): ReadOutcome;
  /** Why the latest version cannot read data written with `schema` (empty: it can). */
  judge(schema: JsonSchema): Incompatibility[];
}

/** Creates the reader of one event; `precompiled` holds codegen checks by `<key>.<event>@<v>`. */
export function createEventReader(
  topic: TopicEntry,
  event: EventEntry,
  precompiled: Readonly<Record<string, CheckFunction>> = {},
  options: CompatOptions = {},
): EventReader {
  const label = `${topic.key}.${event.name}`;
  const def = event.def;
  const history = versionSchemas(def);
  const declared = new Map<number, VersionSchema>(history.map((v) => [v.version, v]));
  const latest = history[history.length - 1]!;
  const validators = new Map<number, Validator>();
  const routes = new Map<number, ReadRoute>();

  const validator = (version: number): Validator => {
    let found = validators.get(version);
    if (found === undefined) {
      const check = precompiled[`${label}@${version}`];
      const spec = def.versions.find((v) => v.version === version)!;
      found =
        check === undefined && version === def.version
          ? event.validator
          : createValidator(spec.schema, check);
      validators.set(version, found);
    }
    return found;
  };

  const invalid = (version: number, value: unknown, what: string): ReadOutcome | undefined => {
    const v = validator(version);
    if (v.check(value)) return undefined;
    const issues = v.errors(value);
    const issue = issues[0];
    return {
      ok: false,
      reason: 'invalid_payload',
      detail: `${what} does not match ${label}@${version}: ${describeIssues(issues)}`,
      ...(issue ? { field: issue.path } : {}),
    };
  };

  const routeOf = (version: number): ReadRoute => {
    let route = routes.get(version);
    if (route === undefined) {
      route = readRoute(latest, declared.get(version)!, declared, options);
      routes.set(version, route);
    }
    return route;
  };

  const readAsLatest = (version: number, data: unknown): ReadOutcome =>
    invalid(latest.version, data, `payload of version ${version}`) ?? { ok: true, payload: data };

  return {
    label,
    latest: latest.version,
    declares: (version) => declared.has(version),
    judge: (schema) => canRead(latest.schema, schema, options),
    readAsLatest,
    read(version, data) {
      const route = routeOf(version);
      if (route.kind === 'none') {
        const issue = route.issues[0];
        return {
          ok: false,
          reason: 'unsupported_version',
          detail: `${label}@${version} cannot be read as version ${latest.version}: ${issue ? `${issue.path || '/'} ${issue.message}` : 'no upcaster'}`,
        };
      }
      const own = invalid(version, data, 'payload');
      if (own !== undefined) return own;
      if (route.kind !== 'chain')
        return route.kind === 'same' ? { ok: true, payload: data } : readAsLatest(version, data);
      return upcastChain(label, def, route.steps, data, invalid);
    },
  };
}

/** Runs the upcasters of `steps` in turn, validating each step's result against its version. */
function upcastChain(
  label: string,
  def: EventEntry['def'],
  steps: readonly number[],
  data: unknown,
  invalid: (version: number, value: unknown, what: string) => ReadOutcome | undefined,
): ReadOutcome {
  let value = data;
  for (const step of steps) {
    const upcast = def.versions.find((v) => v.version === step)?.upcast;
    if (upcast !== undefined) {
      try {
        value = upcast(value);
      } catch (error) {
        return {
          ok: false,
          reason: 'invalid_payload',
          detail: `the upcaster of ${label} from version ${step - 1} to ${step} threw: ${error instanceof Error ? error.message : String(error)}`,
        };
      }
    }
    const bad = invalid(step, value, `the upgrade from version ${step - 1}`);
    if (bad !== undefined) return bad;
  }
  return { ok: true, payload: value };
}
