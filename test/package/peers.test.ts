/**
 * Optional peers load on first use; a missing one is refused with the command that installs it.
 * test/package/install.test.ts checks the same for ioredis, pg and the OpenTelemetry SDK in a
 * project where they are really absent.
 */
import { describe, expect, it } from 'vitest';
import { ConfigError, ErrorCode } from '../../src/errors.js';
import { loadPeer } from '../../src/peers.js';

describe('loadPeer', () => {
  it('returns the module of an installed package', () => {
    const pg = loadPeer<{ Pool: unknown }>('pg', 'the PostgreSQL transport');
    expect(typeof pg.Pool).toBe('function');
  });

  it('refuses a missing package with a ConfigError naming it, the feature and the install line', () => {
    let thrown: unknown;
    try {
      loadPeer('herald-no-such-peer', 'the test feature');
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ConfigError);
    expect(thrown).toMatchObject({
      code: ErrorCode.ConfigInvalid,
      hint: 'npm install herald-no-such-peer',
    });
    expect((thrown as Error).message).toMatch(
      /^the test feature needs the package herald-no-such-peer \(an optional peer dependency of herald\), which is not installed/,
    );
    expect((thrown as Error).cause).toMatchObject({ code: 'MODULE_NOT_FOUND' });
  });

  it('puts a whole install line in the hint when a feature needs several packages', () => {
    expect(() => loadPeer('herald-no-such-peer', 'herald/otel', 'a b c')).toThrow(
      expect.objectContaining({ hint: 'npm install a b c' }),
    );
  });
});
