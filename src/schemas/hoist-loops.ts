/**
 * TypeBox's generated check code with its array item loops declared once.
 *
 * TypeBox's TypeCompiler runs each array's item loop as an arrow function called in place —
 * `((array) => { for(const value of array) ... })(value['tags'])` — so every check allocates one
 * closure per array it visits. `hoistLoops` declares each such loop once, beside the check, under
 * a name, and calls it by that name: the same code, run on the same values, so the same verdict.
 * Loops nested in loops are hoisted innermost first. Code that calls a custom kind (TypeRegistry:
 * TypeCompiler keeps the instances it checks against to itself), or that is not in the shape this
 * rewrite knows, is left alone (undefined).
 *
 * Two callers: the checks compiled at run time (compile.ts, TypeBox's JavaScript output) and the
 * precompiled validators codegen emits (codegen/emit/validators.ts, its TypeScript output).
 */

/** How the generated code of one TypeBox language opens its check and types a loop's array. */
export interface CheckDialect {
  /** Where the code returns its check: the hoisted loops go just before it. */
  readonly checkStart: string;
  /** The parameter list of a hoisted loop. */
  readonly loopParams: string;
}

/** `TypeCompiler.Code(schema)`: JavaScript. */
export const JAVASCRIPT: CheckDialect = {
  checkStart: 'return function check(value) {',
  loopParams: '(array)',
};

/** `TypeCompiler.Code(schema, { language: 'typescript' })`, as codegen emits it. */
export const TYPESCRIPT: CheckDialect = {
  checkStart: 'return function check(value: any): boolean {',
  loopParams: '(array: any): boolean',
};

/** TypeBox's in-place item loop whose condition holds no arrow function (the innermost ones). */
const LOOP =
  /\(\(array\) => \{ for\(const value of array\) if\(!\(((?:(?!=>).)*?)\)\) \{ return false \}; return true; \}\)\(/g;

/**
 * The generated code with its in-place item loops declared once, or undefined when it has none
 * (or calls a custom kind, or is not in the shape this rewrite knows).
 */
export function hoistLoops(code: string, dialect: CheckDialect = JAVASCRIPT): string | undefined {
  if (/\bkind\(/.test(code)) return undefined;
  const at = code.indexOf(dialect.checkStart);
  if (at < 0) return undefined;
  const loops: string[] = [];
  let body = code.slice(at);
  for (let found = true; found; ) {
    found = false;
    body = body.replace(LOOP, (_loop, condition: string) => {
      found = true;
      const name = `herald_items_${loops.length}`;
      loops.push(
        `function ${name}${dialect.loopParams} { for(const value of array) if(!(${condition})) { return false }; return true; }`,
      );
      return `${name}(`;
    });
  }
  if (loops.length === 0) return undefined;
  return `${code.slice(0, at)}${loops.join('\n')}\n${body}`;
}
