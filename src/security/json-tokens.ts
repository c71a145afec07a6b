/** The characters the JSON scans (json-guard.ts, json-key-sets.ts) stop at, and their verdicts. */

/** Why a JSON text was refused by `scanJson` (json-guard.ts). */
export type JsonProblem = 'too_deep' | 'duplicate_key' | 'forbidden_key' | 'malformed';

export const QUOTE = 0x22;
export const BACKSLASH = 0x5c;
export const OPEN_OBJECT = 0x7b;
export const CLOSE_OBJECT = 0x7d;
export const OPEN_ARRAY = 0x5b;
export const CLOSE_ARRAY = 0x5d;
export const COLON = 0x3a;
export const COMMA = 0x2c;
