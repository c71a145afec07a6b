/**
 * A schema store in Redis hashes: one hash per subject (`<prefix>subject:<subject>`, field =
 * version, value = the record as JSON) and a set of subjects (`<prefix>subjects`). `HSETNX`
 * makes "first write wins" atomic; every command touches one key, so it works on Redis Cluster.
 * It takes a client you already have and never closes it.
 */
import { ConfigError } from '../errors.js';
import { parseRecord, recordJson } from './subject.js';
import type { SchemaStore, StoredSchema } from './types.js';

/** The Redis commands the store needs; an ioredis `Redis` or `Cluster` fits. */
export interface RedisHashClient {
  hget(key: string, field: string): Promise<string | null>;
  hgetall(key: string): Promise<Record<string, string>>;
  hsetnx(key: string, field: string, value: string): Promise<number>;
  sadd(key: string, member: string): Promise<number>;
  smembers(key: string): Promise<string[]>;
}

/** Options of {@link redisSchemaStore}. */
export interface RedisSchemaStoreOptions {
  /**
   * Prefix of its keys. Use one per application (or environment) sharing the server.
   * @default 'herald:schemas:'
   */
  readonly prefix?: string;
}

/** A schema store on Redis hashes. The client stays yours. */
export function redisSchemaStore(
  client: RedisHashClient,
  options: RedisSchemaStoreOptions = {},
): SchemaStore {
  const prefix = options.prefix ?? 'herald:schemas:';
  if (typeof client?.hsetnx !== 'function' || typeof client.hgetall !== 'function') {
    throw new ConfigError('redisSchemaStore needs a Redis client', {
      hint: 'pass an ioredis client: redisSchemaStore(new Redis(url))',
    });
  }
  const hashKey = (subject: string): string => `${prefix}subject:${subject}`;
  const setKey = `${prefix}subjects`;
  const read = (text: string | null | undefined): StoredSchema | undefined =>
    text === null || text === undefined ? undefined : parseRecord(text);

  return {
    name: 'redis',
    subjects: async () => (await client.smembers(setKey)).sort(),
    async versions(subject) {
      const all = await client.hgetall(hashKey(subject));
      return Object.values(all)
        .map(read)
        .filter((r): r is StoredSchema => r !== undefined && r.subject === subject)
        .sort((a, b) => a.version - b.version);
    },
    async get(subject, version) {
      const found = read(await client.hget(hashKey(subject), String(version)));
      return found?.subject === subject && found.version === version ? found : undefined;
    },
    async insert(record) {
      const key = hashKey(record.subject);
      const created = (await client.hsetnx(key, String(record.version), recordJson(record))) === 1;
      await client.sadd(setKey, record.subject);
      if (created) return { stored: record, created };
      const stored = read(await client.hget(key, String(record.version)));
      if (stored === undefined) {
        throw new ConfigError(
          `the schema store holds an unreadable record for ${record.subject} version ${record.version}`,
          { hint: `inspect HGET ${key} ${record.version}; it was not written by Herald` },
        );
      }
      return { stored, created };
    },
  };
}
