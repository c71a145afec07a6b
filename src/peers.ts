/**
 * Optional peer dependencies, loaded on first use.
 *
 * `ioredis`, `pg` and the OpenTelemetry SDK are optional peers of Herald: an app installs the ones
 * whose feature it uses. Each is loaded synchronously with `require` the first time its feature
 * runs (all of them can be required: CommonJS packages, or ESM without top-level await on
 * Node >= 20.19), so importing `herald/redis` costs nothing until a transport is created, and a
 * missing package is refused with a ConfigError that names it and the command that installs it,
 * instead of a bare ERR_MODULE_NOT_FOUND at start-up.
 */
import { createRequire } from 'node:module';
import { ConfigError } from './errors.js';

const load = createRequire(import.meta.url);

const isMissing = (error: unknown, name: string): boolean => {
  const code = (error as { code?: unknown } | null)?.code;
  return (
    (code === 'MODULE_NOT_FOUND' || code === 'ERR_MODULE_NOT_FOUND') &&
    error instanceof Error &&
    error.message.includes(`'${name}'`)
  );
};

/**
 * Requires the optional peer `name`, needed by `feature`. Throws a ConfigError (CONFIG_INVALID)
 * whose hint is the install command when the package is not installed; other load failures
 * propagate unchanged. `install` lists the packages the hint installs (default: `name`).
 * @example const { Redis } = loadPeer<typeof import('ioredis')>('ioredis', 'the Redis transport')
 */
export function loadPeer<T>(name: string, feature: string, install: string = name): T {
  try {
    return load(name) as T;
  } catch (error) {
    if (!isMissing(error, name)) throw error;
    throw new ConfigError(
      `${feature} needs the package ${name} (an optional peer dependency of herald), which is not installed`,
      {
        hint: `npm install ${install}`,
        cause: error,
      },
    );
  }
}
