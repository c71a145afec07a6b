/**
 * Command-line parsing shared by every `herald` command: `node:util` `parseArgs`, strict, with
 * its errors turned into usage errors (exit code 2, one line, a hint).
 */
import { type ParseArgsConfig, parseArgs } from 'node:util';
import { CodegenError, CodegenErrorCode } from './errors.js';

/** A usage error: exit code 2. */
export function usage(message: string, hint = 'run herald --help'): CodegenError {
  return new CodegenError(CodegenErrorCode.Usage, message, { hint });
}

/** `parseArgs` (strict by default); an unknown option or a missing value is a usage error. */
export function parseCommand<T extends ParseArgsConfig>(
  config: T,
): ReturnType<typeof parseArgs<T>> {
  try {
    return parseArgs(config);
  } catch (error) {
    throw usage(error instanceof Error ? error.message : String(error));
  }
}
