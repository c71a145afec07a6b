/**
 * `herald/browser/checks`: what the precompiled checks of `browser-validators.ts` import —
 * Herald's string-format checks, the same ones the bus uses. A separate entry so that a page
 * that does not validate never loads them (they register themselves with TypeBox on load).
 */
export { checkFormat } from '../schemas/formats.js';
