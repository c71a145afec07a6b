/**
 * A payload schema compiled to its boolean check, for the hot path of publish and receive.
 *
 * TypeBox's TypeCompiler writes the check. It runs each array's item loop as an arrow function
 * called in place — `((array) => { for(const value of array) ... })(value['tags'])` — so every
 * check allocates one closure per array it visits (57 bytes for the bench's payload, a third of
 * what its check allocates). `hoistLoops` declares each such loop once, beside the check, under a
 * name, and calls it by that name: the same code, run on the same values, so the same verdict
 * (test/property/compile.property.test.ts holds it to TypeBox's own check on random values).
 * Loops nested in loops are hoisted innermost first. Code that calls a custom kind (TypeRegistry:
 * TypeCompiler keeps the instances it checks against to itself), or that the rewrite leaves
 * uncompilable, keeps TypeBox's function.
 */
import { FormatRegistry, type TSchema } from '@sinclair/typebox';
import type { TypeCheck } from '@sinclair/typebox/compiler';
import { Hash } from '@sinclair/typebox/value';

/** A compiled boolean check. */
export type CompiledCheck = (value: unknown) => boolean;

/** TypeBox's in-place item loop whose condition holds no arrow function (the innermost ones). */
const LOOP =
  /\(\(array\) => \{ for\(const value of array\) if\(!\(((?:(?!=>).)*?)\)\) \{ return false \}; return true; \}\)\(/g;

/** Where TypeBox's generated code returns its check: the hoisted loops go just before it. */
const CHECK_START = 'return function check(value) {';

/** The format look-up TypeBox's compiled checks call, as TypeCompiler defines it. */
function checkFormat(format: string, value: unknown): boolean {
  const check = FormatRegistry.Get(format);
  return check === undefined ? false : check(value as string);
}

/**
 * The generated code with its in-place item loops declared once, or undefined when it has none
 * (or calls a custom kind, or is not in the shape this rewrite knows).
 */
export function hoistLoops(code: string): string | undefined {
  if (/\bkind\(/.test(code)) return undefined;
  const at = code.indexOf(CHECK_START);
  if (at < 0) return undefined;
  const loops: string[] = [];
  let body = code.slice(at);
  for (let found = true; found; ) {
    found = false;
    body = body.replace(LOOP, (_loop, condition: string) => {
      found = true;
      const name = `herald_items_${loops.length}`;
      loops.push(
        `function ${name}(array) { for(const value of array) if(!(${condition})) { return false }; return true; }`,
      );
      return `${name}(`;
    });
  }
  if (loops.length === 0) return undefined;
  return `${code.slice(0, at)}${loops.join('\n')}\n${body}`;
}

/** The check of a compiled schema: its loops hoisted when they can be, else TypeBox's own. */
export function checkOf(compiled: TypeCheck<TSchema>): CompiledCheck {
  const fallback: CompiledCheck = (value) => compiled.Check(value);
  const code = hoistLoops(compiled.Code());
  if (code === undefined) return fallback;
  try {
    // The same evaluation as TypeCompiler.Compile: the code gets `kind`, `format` and `hash`.
    const factory = new Function('kind', 'format', 'hash', code) as (
      kind: undefined,
      format: typeof checkFormat,
      hash: typeof Hash,
    ) => CompiledCheck;
    return factory(undefined, checkFormat, Hash);
  } catch {
    return fallback;
  }
}
