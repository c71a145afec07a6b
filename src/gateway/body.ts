/**
 * Reading a page's POST body as untrusted input: at most `maxBodyBytes` (refused with 413 as
 * soon as the count passes it, without buffering the rest), UTF-8 (a malformed sequence is a
 * 400), then Herald's structural scan (src/security/json-guard.ts: depth, duplicate keys,
 * `__proto__`) before `JSON.parse`.
 */
import { scanJson } from '../security/json-guard.js';
import { type Refusal, refuse } from './refusal.js';

const decoder = new TextDecoder('utf-8', { fatal: true });

/** Collects at most `max` bytes from a stream of chunks; a refusal past it. */
export async function readLimited(
  chunks: AsyncIterable<Uint8Array>,
  max: number,
  declared: string | null,
): Promise<Uint8Array | Refusal> {
  if (declared !== null && Number(declared) > max) {
    return refuse('body_too_large', `the body is ${declared} bytes; the limit is ${max}`);
  }
  const parts: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of chunks) {
    size += chunk.byteLength;
    if (size > max) {
      return refuse('body_too_large', `the body is over ${max} bytes, the limit`);
    }
    parts.push(chunk);
  }
  const out = new Uint8Array(size);
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.byteLength;
  }
  return out;
}

/** Parses a JSON body after the structural scan; a 400 refusal says what was wrong. */
export function parseJson(bytes: Uint8Array, maxDepth: number): { value: unknown } | Refusal {
  let text: string;
  try {
    text = decoder.decode(bytes);
  } catch {
    return refuse('bad_request', 'the body is not valid UTF-8');
  }
  const problem = scanJson(text, maxDepth);
  if (problem !== undefined) {
    const what = {
      too_deep: `nested deeper than ${maxDepth}`,
      duplicate_key: 'an object with a duplicate key',
      forbidden_key: 'a "__proto__" key',
      malformed: 'malformed JSON',
    }[problem];
    return refuse('bad_request', `the body has ${what}`);
  }
  try {
    return { value: JSON.parse(text) as unknown };
  } catch {
    return refuse('bad_request', 'the body is not JSON');
  }
}
