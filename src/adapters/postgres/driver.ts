/**
 * pg, an optional peer dependency: required on first use, so that `herald` and `herald/postgres`
 * import without it and a PostgreSQL transport created without it fails with an install hint.
 */
import type pg from 'pg';
import { loadPeer } from '../../peers.js';

/** The pg module; throws a ConfigError (`npm install pg`) when it is not installed. */
export const pgModule = (): typeof pg => loadPeer<typeof pg>('pg', 'the PostgreSQL transport');
