/**
 * What a publisher checks before it signs (docs/wire-format.md §6.2, §7): that this node may sign
 * for the topic at all, and that every receiver could read the payload — a publish must not report
 * "sent" for a message no node can accept.
 */
import { ConfigError, ErrorCode, HeraldError, ValidationError } from '../errors.js';
import { type JsonProblem, scanOwnJson } from './json-guard.js';
import type { KeyRing } from './keys.js';

const PROBLEM_TEXT: Record<JsonProblem, string> = {
  too_deep: 'nested too deep',
  duplicate_key: 'an object has the same key twice',
  forbidden_key: 'a __proto__ or constructor.prototype key',
  malformed: 'not serializable as JSON',
};

/**
 * The check that this node may sign for `topic`: a ConfigError on a verify-only node, a
 * FORBIDDEN_TOPIC HeraldError naming topic and key when a signing key's scopes exclude it.
 */
export function createAuthorize(ring: KeyRing): (topic: string) => void {
  // Topics every signing key may sign (the ring never changes): checked once, not per publish.
  const allowed = new Set<string>();
  return (topic) => {
    if (allowed.has(topic)) return;
    if (ring.signing.length === 0) {
      throw new ConfigError(
        `cannot publish on "${topic}": this node holds only public keys, so it verifies but cannot sign`,
        {
          topic,
          hint: 'give this node a private key (EdDSA privateKey) or an HS256 secret, and name it in keys.sign; localBroadcast needs no key',
        },
      );
    }
    for (const key of ring.signing) {
      if (!key.scope.allows(topic)) {
        throw new HeraldError(
          ErrorCode.ForbiddenTopic,
          `key "${key.kid}" may not sign for topic "${topic}" (its scopes: ${key.scope.patterns.join(', ')})`,
          {
            topic,
            kid: key.kid,
            hint: 'publish with a key whose scopes cover this topic, or widen the scopes of this key on every node',
          },
        );
      }
    }
    if (allowed.size < ALLOWED_TOPICS) allowed.add(topic);
  };
}

/** Most topics {@link createAuthorize} remembers; past that, the others are checked each time. */
const ALLOWED_TOPICS = 1024;

/**
 * Refuses at the sender what every receiver would refuse: `item` is one message's JSON array,
 * one level around its `data`, which may nest `maxDepth` levels.
 */
export function refuseUnreadable(
  item: string,
  maxDepth: number,
  topic: string,
  event: string,
): void {
  const problem = scanOwnJson(item, maxDepth + 1);
  if (problem === undefined) return;
  throw new ValidationError(
    ErrorCode.InvalidPayload,
    `payload of ${event} on "${topic}" cannot be sent: ${problem.replace('_', ' ')}`,
    [{ path: '', keyword: problem, message: PROBLEM_TEXT[problem] }],
    {
      topic,
      event,
      hint: `receivers refuse payloads deeper than ${maxDepth} levels, with duplicate keys, or with __proto__ / constructor.prototype keys`,
    },
  );
}
