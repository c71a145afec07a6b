import { afterEach, describe, expect, it, vi } from 'vitest';
import { freePort } from '../support/ports.js';
import {
  checkPostgres,
  checkRedis,
  DEFAULT_DATABASE_URL,
  DEFAULT_REDIS_URL,
  databaseUrl,
  redisUrl,
} from '../support/services.js';

afterEach(() => {
  vi.unstubAllEnvs();
  vi.restoreAllMocks();
});

describe('service URLs', () => {
  it('use REDIS_URL and DATABASE_URL when set, else the loopback defaults', () => {
    vi.stubEnv('REDIS_URL', '');
    vi.stubEnv('DATABASE_URL', '');
    expect(redisUrl()).toBe(DEFAULT_REDIS_URL);
    expect(databaseUrl()).toBe(DEFAULT_DATABASE_URL);
    vi.stubEnv('REDIS_URL', 'redis://127.0.0.1:7000');
    vi.stubEnv('DATABASE_URL', 'postgres://u@127.0.0.1:7001/db');
    expect(redisUrl()).toBe('redis://127.0.0.1:7000');
    expect(databaseUrl()).toBe('postgres://u@127.0.0.1:7001/db');
  });
});

describe('service checks', () => {
  it('report a reachable Redis with where it came from', async () => {
    expect(await checkRedis(DEFAULT_REDIS_URL, false)).toEqual({
      ok: true,
      url: DEFAULT_REDIS_URL,
      source: 'default',
    });
  });

  it('throw with CI=true when an explicit Redis URL does not answer', async () => {
    vi.stubEnv('CI', 'true');
    const url = `redis://127.0.0.1:${await freePort()}`;
    await expect(checkRedis(url, true)).rejects.toThrow(
      /CI=true, so this test fails instead of skipping: Redis is not reachable at/,
    );
  });

  it('skip loudly outside CI when an explicit PostgreSQL URL does not answer', async () => {
    vi.stubEnv('CI', '');
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const url = `postgres://postgres@127.0.0.1:${await freePort()}/test`;
    const check = await checkPostgres(url, true);
    expect(check).toMatchObject({ ok: false, url });
    expect(String(warn.mock.calls[0]?.[0])).toContain('SKIPPING PostgreSQL tests');
  });

  it('fall back to a private Redis when the default one does not answer', async () => {
    vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const check = await checkRedis(`redis://127.0.0.1:${await freePort()}`, false);
    expect(check).toMatchObject({ ok: true, source: 'private' });
    if (check.ok) await check.stop?.();
  });

  it('fall back to a private PostgreSQL when the default one does not answer', async () => {
    vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const check = await checkPostgres(
      `postgres://postgres@127.0.0.1:${await freePort()}/test`,
      false,
    );
    expect(check).toMatchObject({ ok: true, source: 'private' });
    if (check.ok) await check.stop?.();
  }, 60_000);
});
