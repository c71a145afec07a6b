/**
 * Verdicts on versions a node does not declare (reader.ts): looked up once in the shared store,
 * judged (can the latest version read it?), and kept — for good when readable or unreadable,
 * briefly when missing or when the look-up failed, so the store is asked again later.
 */
import type { EventReader, ReadOutcome } from '../schemas/upgrade.js';
import type { SharedSchemaOptions } from './reader.js';

/** What is known of one version of a subject. */
type Verdict =
  | { readonly kind: 'readable' }
  | { readonly kind: 'unreadable'; readonly detail: string }
  | { readonly kind: 'missing'; readonly until: number }
  | { readonly kind: 'failed'; readonly until: number; readonly detail: string };

/** How long a failed look-up refuses its version's messages before the store is asked again. */
const FAILED_TTL_MS = 1000;
/** Most verdicts kept about versions that are missing or could not be looked up. */
const MAX_SHORT_VERDICTS = 1000;

/** A message's version, to be judged. */
export interface Judged {
  readonly reader: EventReader;
  readonly subject: string;
  readonly version: number;
  readonly data: unknown;
}

/** The verdicts of one bus. */
export interface Verdicts {
  /** The outcome now, or undefined when the verdict needs a look-up (`fresh`: one just ran). */
  settle(w: Judged, fresh?: boolean): ReadOutcome | undefined;
  /** Looks a version up (once at a time per version); never rejects. */
  lookup(subject: string, reader: EventReader, version: number): Promise<void>;
}

/** Creates the verdicts of one bus over its shared store (if any). */
export function createVerdicts(
  shared: SharedSchemaOptions | undefined,
  now: () => number,
): Verdicts {
  const verdicts = new Map<string, Verdict>();
  const lookups = new Map<string, Promise<void>>();
  /** The outcome now, or undefined when the verdict needs a look-up. */
  function settle(w: Judged, fresh = false): ReadOutcome | undefined {
    const { reader, version, data } = w;
    if (reader.declares(version)) return reader.read(version, data);
    const where = `${reader.label}@${version}`;
    if (shared === undefined) {
      return refuse(
        `${where} is ${version > reader.latest ? 'newer' : 'older'} than the versions this node declares (up to ${reader.latest}), and no schema store is configured to look it up`,
      );
    }
    const verdict = verdicts.get(`${w.subject}@${version}`);
    const expired =
      !fresh &&
      (verdict?.kind === 'missing' || verdict?.kind === 'failed') &&
      verdict.until <= now();
    if (verdict === undefined || expired) return undefined;
    if (verdict.kind === 'missing') {
      return refuse(
        `${where} is in neither this node's registry nor the ${shared.store.name} schema store`,
      );
    }
    if (verdict.kind === 'unreadable' || verdict.kind === 'failed') return refuse(verdict.detail);
    return reader.readAsLatest(version, data);
  }

  function lookup(subject: string, reader: EventReader, version: number): Promise<void> {
    const key = `${subject}@${version}`;
    let running = lookups.get(key);
    if (running !== undefined) return running;
    const store = shared!.store;
    const timeoutMs = shared!.timeoutMs ?? 2000;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer in ${timeoutMs} ms`)), timeoutMs);
      timer.unref?.();
    });
    running = Promise.race([store.get(subject, version), timeout])
      .then((record) => {
        if (record === undefined) {
          remember(verdicts, key, {
            kind: 'missing',
            until: now() + (shared!.missingTtlMs ?? 5000),
          });
          return;
        }
        const issues = reader.judge(record.schema);
        verdicts.set(
          key,
          issues.length === 0
            ? { kind: 'readable' }
            : {
                kind: 'unreadable',
                detail: `${reader.label}@${version} (from the ${store.name} schema store) cannot be read as version ${reader.latest}: ${issues[0]!.path || '/'} ${issues[0]!.message}`,
              },
        );
      })
      .catch((error: unknown) => {
        remember(verdicts, key, {
          kind: 'failed',
          until: now() + FAILED_TTL_MS,
          detail: `${reader.label}@${version} could not be looked up in the ${store.name} schema store: ${error instanceof Error ? error.message : String(error)}`,
        });
      })
      .finally(() => {
        clearTimeout(timer);
        lookups.delete(key);
      });
    lookups.set(key, running);
    return running;
  }

  return { settle, lookup };
}

/**
 * Keeps a short-lived verdict. Versions that do not exist could be named without end, so past
 * {@link MAX_SHORT_VERDICTS} the oldest short-lived ones are forgotten (they are asked again).
 */
function remember(verdicts: Map<string, Verdict>, key: string, verdict: Verdict): void {
  verdicts.delete(key);
  verdicts.set(key, verdict);
  if (verdicts.size <= MAX_SHORT_VERDICTS) return;
  for (const [k, v] of verdicts) {
    if (verdicts.size <= MAX_SHORT_VERDICTS) break;
    if (v.kind === 'missing' || v.kind === 'failed') verdicts.delete(k);
  }
}

/** A refusal of an unknown version. */
export function refuse(detail: string): ReadOutcome {
  return { ok: false, reason: 'unsupported_version', detail };
}
