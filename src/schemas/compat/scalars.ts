/**
 * Rules for strings and numbers: lengths, patterns, formats, ranges and `multipleOf`.
 *
 * A reader reads a writer's strings when its bounds are at least as loose; `pattern` and
 * `format` are compared by equality (regular-expression inclusion is not decidable in general,
 * so a changed pattern counts as a narrowing).
 */
import type { JsonObject } from './json.js';
import { type Incompatibility, IncompatibilityKind } from './types.js';

const num = (value: unknown): number | undefined => (typeof value === 'number' ? value : undefined);

/** Compares the string keywords of a reader and a writer. */
export function readString(r: JsonObject, w: JsonObject, path: string): Incompatibility[] {
  const out: Incompatibility[] = [];
  const rMin = num(r.minLength) ?? 0;
  const wMin = num(w.minLength) ?? 0;
  if (wMin < rMin) {
    out.push(range(path, `reader needs at least ${rMin} characters; writer allows ${wMin}`));
  }
  const rMax = num(r.maxLength);
  const wMax = num(w.maxLength);
  if (rMax !== undefined && (wMax === undefined || wMax > rMax)) {
    out.push(
      range(
        path,
        `reader allows at most ${rMax} characters; writer ${wMax === undefined ? 'has no limit' : `allows ${wMax}`}`,
      ),
    );
  }
  if (typeof r.pattern === 'string' && r.pattern !== w.pattern) {
    out.push({
      path,
      kind: IncompatibilityKind.PatternChanged,
      message:
        typeof w.pattern === 'string'
          ? `reader requires pattern ${r.pattern}; writer has ${w.pattern}`
          : `reader requires pattern ${r.pattern}; writer has none`,
    });
  }
  if (typeof r.format === 'string' && r.format !== w.format) {
    out.push({
      path,
      kind: IncompatibilityKind.FormatAdded,
      message:
        typeof w.format === 'string'
          ? `reader requires format "${r.format}"; writer has "${w.format}"`
          : `reader requires format "${r.format}"; writer sends any string`,
    });
  }
  return out;
}

interface Bound {
  readonly value: number;
  readonly exclusive: boolean;
}

/** The lower or upper bound of a number schema; integers get inclusive bounds. */
function bound(s: JsonObject, side: 'lower' | 'upper', integer: boolean): Bound | undefined {
  const inclusive = num(side === 'lower' ? s.minimum : s.maximum);
  const exclusive = num(side === 'lower' ? s.exclusiveMinimum : s.exclusiveMaximum);
  let best: Bound | undefined =
    inclusive === undefined ? undefined : { value: inclusive, exclusive: false };
  if (exclusive !== undefined) {
    const tighter =
      best === undefined || (side === 'lower' ? exclusive >= best.value : exclusive <= best.value);
    if (tighter) best = { value: exclusive, exclusive: true };
  }
  if (best === undefined || !integer) return best;
  // Integer data: `> 0` is `>= 1`, `>= 0.5` is `>= 1`.
  if (side === 'lower') {
    const v = best.exclusive ? Math.floor(best.value) + 1 : Math.ceil(best.value);
    return { value: v, exclusive: false };
  }
  const v = best.exclusive ? Math.ceil(best.value) - 1 : Math.floor(best.value);
  return { value: v, exclusive: false };
}

const show = (b: Bound | undefined, side: 'lower' | 'upper'): string =>
  b === undefined
    ? 'no limit'
    : `${side === 'lower' ? (b.exclusive ? '>' : '>=') : b.exclusive ? '<' : '<='} ${b.value}`;

/** True when writer bound `w` lies inside reader bound `r` on that side. */
function within(r: Bound | undefined, w: Bound | undefined, side: 'lower' | 'upper'): boolean {
  if (r === undefined) return true;
  if (w === undefined) return false;
  if (w.value === r.value) return !r.exclusive || w.exclusive;
  return side === 'lower' ? w.value > r.value : w.value < r.value;
}

const isMultiple = (a: number, b: number): boolean => {
  const q = a / b;
  return Math.abs(q - Math.round(q)) < 1e-9;
};

/** Compares the number keywords of a reader and a writer, for `number` or `integer` data. */
export function readNumber(
  r: JsonObject,
  w: JsonObject,
  type: 'number' | 'integer',
  path: string,
): Incompatibility[] {
  const out: Incompatibility[] = [];
  const integer = type === 'integer';
  for (const side of ['lower', 'upper'] as const) {
    const rb = bound(r, side, integer);
    const wb = bound(w, side, integer);
    if (!within(rb, wb, side)) {
      out.push(
        range(path, `reader's ${side} bound is ${show(rb, side)}; writer's is ${show(wb, side)}`),
      );
    }
  }
  const rStep = num(r.multipleOf);
  if (rStep !== undefined) {
    const wStep = num(w.multipleOf);
    const ok =
      (wStep !== undefined && isMultiple(wStep, rStep)) || (integer && isMultiple(1, rStep));
    if (!ok) {
      out.push({
        path,
        kind: IncompatibilityKind.MultipleOfChanged,
        message: `reader requires multiples of ${rStep}; writer ${wStep === undefined ? 'has no step' : `sends multiples of ${wStep}`}`,
      });
    }
  }
  return out;
}

function range(path: string, message: string): Incompatibility {
  return { path, kind: IncompatibilityKind.RangeNarrowed, message };
}
