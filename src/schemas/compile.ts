/**
 * A payload schema compiled to its boolean check, for the hot path of publish and receive.
 *
 * TypeBox's TypeCompiler writes the check. It runs each array's item loop as an arrow function
 * called in place, so every check allocates one closure per array it visits (57 bytes for the
 * bench's payload, a third of what its check allocates). `hoistLoops` (hoist-loops.ts) declares
 * each such loop once, beside the check: the same code, run on the same values, so the same
 * verdict (test/property/compile.property.test.ts holds it to TypeBox's own check on random
 * values). Code that calls a custom kind, or that the rewrite leaves uncompilable, keeps
 * TypeBox's function.
 */
import { FormatRegistry, type TSchema } from '@sinclair/typebox';
import type { TypeCheck } from '@sinclair/typebox/compiler';
import { Hash } from '@sinclair/typebox/value';
import { hoistLoops } from './hoist-loops.js';

/** A compiled boolean check. */
export type CompiledCheck = (value: unknown) => boolean;

/** The format look-up TypeBox's compiled checks call, as TypeCompiler defines it. */
function checkFormat(format: string, value: unknown): boolean {
  const check = FormatRegistry.Get(format);
  return check === undefined ? false : check(value as string);
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
