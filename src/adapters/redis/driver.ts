/**
 * ioredis, an optional peer dependency: required on first use, so that `herald` and `herald/redis`
 * import without it and a Redis transport created without it fails with an install hint.
 */
import type * as Ioredis from 'ioredis';
import { loadPeer } from '../../peers.js';

/** The ioredis module; throws a ConfigError (`npm install ioredis`) when it is not installed. */
export const ioredis = (): typeof Ioredis =>
  loadPeer<typeof Ioredis>('ioredis', 'the Redis transport');
