/**
 * TypeBox's TypeScript output (`TypeCompiler.Code`) made to compile under Herald's strict
 * settings. Two loop variables of TypeBox 0.34's output shadow the checked `value: any` and fail
 * there:
 *
 * - an array check's `for(const value: any of array)`: TypeScript refuses a type annotation on a
 *   for-of variable (TS2483); without one the variable is `any` by inference.
 * - a record check's `Object.entries(x).every(([key, value]) => ...)`: `Object.entries` of an
 *   `any` yields `[string, unknown]` entries, so the value's own checks (`value >= 0`,
 *   `value['label']`) fail (TS18046, TS7053). The entry is annotated `[string, any]`, the type the
 *   code has everywhere else.
 *
 * Only code is rewritten. TypeBox writes every string as a single-quoted literal (JSON-escaped,
 * `'` as `\'`, so on one line) and every regular expression on a hoisted `const local_N = ...`
 * line; both are left exactly as they are, so a payload literal or a key pattern that happens to
 * read like the code above keeps its meaning.
 */

/** The rewrites, applied to code outside string literals. */
const REWRITES: readonly (readonly [from: string, to: string])[] = [
  ['for(const value: any of ', 'for(const value of '],
  ['.every(([key, value]) => ', '.every(([key, value]: [string, any]) => '],
];

/** A hoisted variable of TypeBox's output: a regular expression, never rewritten. */
const HOISTED = /^\s*const local_\d+ = /;

/** TypeBox's TypeScript check code, rewritten so that it compiles under `strict`. */
export function strictCheckCode(code: string): string {
  return code
    .split('\n')
    .map((line) => (HOISTED.test(line) ? line : rewriteLine(line)))
    .join('\n');
}

/** One line: the code between string literals rewritten, the literals kept. */
function rewriteLine(line: string): string {
  let out = '';
  let from = 0;
  for (let at = line.indexOf("'"); at !== -1; at = line.indexOf("'", from)) {
    const end = literalEnd(line, at);
    out += rewriteCode(line.slice(from, at)) + line.slice(at, end);
    from = end;
  }
  return out + rewriteCode(line.slice(from));
}

/** The index just past the single-quoted literal opening at `open` (escapes skipped). */
function literalEnd(line: string, open: number): number {
  for (let i = open + 1; i < line.length; i++) {
    if (line[i] === '\\') i++;
    else if (line[i] === "'") return i + 1;
  }
  return line.length;
}

function rewriteCode(code: string): string {
  let out = code;
  for (const [from, to] of REWRITES) out = out.replaceAll(from, to);
  return out;
}
