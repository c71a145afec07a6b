/**
 * Errors of the code generator and its command line.
 *
 * Like Herald's own errors they carry a machine-readable `code` and a `hint` that says what to do;
 * the CLI prints them as one line and exits with {@link CodegenError.exitCode}.
 */

/** Every code a {@link CodegenError} can carry. */
export const CodegenErrorCode = {
  /** The command line is wrong: unknown command or option, missing value. Exit code 2. */
  Usage: 'USAGE',
  /** The registry module could not be found or imported. */
  LoadFailed: 'LOAD_FAILED',
  /** The module has no registry export, or more than one and no `--export`. */
  NoRegistry: 'NO_REGISTRY',
  /** A schema the generator cannot turn into standalone code. */
  UnsupportedSchema: 'UNSUPPORTED_SCHEMA',
  /** Two generated names would be the same, or a name would shadow a client method. */
  NameClash: 'NAME_CLASH',
  /** The output directory cannot be written safely. */
  OutDir: 'OUT_DIR',
  /** A lock file of an older format, which the compatibility gate cannot compare with. */
  LockOutdated: 'LOCK_OUTDATED',
  /** The compatibility gate found a breaking change (`herald schemas check`, `codegen`). */
  Breaking: 'BREAKING',
  /** A schema store could not be opened or answered with an error. */
  Store: 'STORE',
} as const;

/** The union of codegen error codes. */
export type CodegenErrorCode = (typeof CodegenErrorCode)[keyof typeof CodegenErrorCode];

/** A code generation or command-line failure, with a hint. */
export class CodegenError extends Error {
  override readonly name = 'CodegenError';
  readonly code: CodegenErrorCode;
  readonly hint: string | undefined;

  constructor(
    code: CodegenErrorCode,
    message: string,
    options: { readonly hint?: string; readonly cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.hint = options.hint;
  }

  /** The process exit code for this error: 2 for usage errors, 1 otherwise. */
  get exitCode(): number {
    return this.code === CodegenErrorCode.Usage ? 2 : 1;
  }
}
