/**
 * The key checks of one signature, the same for every format (docs/wire-format.md §4, §6): the
 * `kid` is looked up in the allow-list (retired, unknown), the algorithm is the key's — never the
 * message's — the signature verifies, and the tenant tag is this node's. Then the scope check:
 * a verified key may sign only the topics its scopes allow.
 *
 * The signature check itself is the caller's (`check`): each format signs other bytes.
 */
import {
  type CodecRejection,
  type DecodeAllResult,
  type Envelope,
  type Header,
  refuse,
} from './envelope.js';
import { Algorithm, type KeyRing, type ResolvedKey } from './keys.js';
import { RejectReason } from './reasons.js';

/** One signature checked: the header it verified under, or why not. */
export type Verified = { readonly ok: true; readonly header: Header } | CodecRejection;

/** The key checks of one node. */
export interface Verifier {
  /** Checks `header`'s key, algorithm and tenant, and the signature by `check` under its key. */
  one(header: Header, check: (key: ResolvedKey) => boolean): Verified;
  /**
   * The key {@link Verifier.one} checks `header`'s signature with when every other check of it
   * passes (allow-list, pinned algorithm, tenant): with that signature verified, `one` accepts
   * `header`. Undefined when `one` refuses whatever the signature.
   */
  keyFor(header: Header): ResolvedKey | undefined;
  /**
   * The envelopes, each attributed to the first verified key whose scopes allow its topic; or
   * `forbidden_topic` when one has none: a valid key signed for a topic it may not publish, and
   * a batch with such a message is refused whole (its signer overstepped).
   */
  scoped(envelopes: readonly Envelope[], verified: readonly Header[]): DecodeAllResult;
}

/** The key checks of a node holding `ring`, with tenant tag `ten` (undefined: no tenant). */
export function createVerifier(ring: KeyRing, ten: string | undefined): Verifier {
  function one(header: Header, check: (key: ResolvedKey) => boolean): Verified {
    const key = ring.verify.get(header.kid);
    if (key === undefined) {
      // Untrusted text: JSON-quoted, so control characters cannot forge log lines.
      const kid = JSON.stringify(header.kid);
      return ring.retired.has(header.kid)
        ? refuse(RejectReason.RetiredKey, `key ${kid} is retired`, header)
        : refuse(RejectReason.UnknownKey, `key ${kid} is not in the allow-list`, header);
    }
    if (header.alg !== key.alg) {
      const alg = JSON.stringify(header.alg);
      const detail = `header says ${alg} but key "${key.kid}" is pinned to ${key.alg}`;
      return refuse(RejectReason.AlgorithmMismatch, detail, header);
    }
    if (!check(key)) {
      const detail = `signature with key "${key.kid}" does not verify`;
      return refuse(RejectReason.BadSignature, detail, header);
    }
    // The tenant tag is signed: a message of one tenant replayed into another's namespace (a
    // key shared by tenants) verifies, and is refused here.
    if (header.ten !== ten) return refuse(RejectReason.WrongTenant, tenantDetail(header), header);
    return { ok: true, header };
  }

  function tenantDetail(header: Header): string {
    if (header.ten === undefined) return 'signed for no tenant, but this bus belongs to a tenant';
    if (ten === undefined) return `signed for tenant tag ${header.ten}, but this bus has no tenant`;
    return `signed for tenant tag ${header.ten}, not this bus's tenant (tag ${ten})`;
  }

  function scoped(envelopes: readonly Envelope[], verified: readonly Header[]): DecodeAllResult {
    const single = verified.length === 1 && verified[0]!.kid === envelopes[0]?.kid;
    // One key, the one the envelopes name: each is kept as it is when its scopes allow it.
    if (single && allAllowed(ring.verify.get(verified[0]!.kid), envelopes))
      return { ok: true, envelopes };
    const out: Envelope[] = [];
    for (const env of envelopes) {
      let allowed: Header | undefined;
      for (const h of verified) {
        if (ring.verify.get(h.kid)?.scope.allows(env.topic)) {
          allowed = h;
          break;
        }
      }
      if (allowed === undefined) {
        const detail = `key "${env.kid}" may not sign for topic "${env.topic}"`;
        return {
          ok: false,
          reason: RejectReason.ForbiddenTopic,
          detail,
          kid: env.kid,
          node: env.node,
        };
      }
      out.push(single || allowed.kid === env.kid ? env : { ...env, kid: allowed.kid });
    }
    return { ok: true, envelopes: out };
  }

  function keyFor(header: Header): ResolvedKey | undefined {
    const key = ring.verify.get(header.kid);
    return key !== undefined && header.alg === key.alg && header.ten === ten ? key : undefined;
  }

  return { one, keyFor, scoped };
}

/** True when `key`'s scopes allow the topic of every envelope. */
function allAllowed(key: ResolvedKey | undefined, envelopes: readonly Envelope[]): boolean {
  if (key === undefined) return false;
  for (const env of envelopes) if (!key.scope.allows(env.topic)) return false;
  return true;
}

/** True when `key` is an HS256 key (its MAC is bound once per codec, hmac.ts). */
export const isHmac = (key: ResolvedKey): key is ResolvedKey & { alg: 'HS256' } =>
  key.alg === Algorithm.HS256;

/**
 * With several signatures, the most telling failure: a wrong tenant over a bad signature over a
 * mismatched algorithm over a retired key over an unknown one (§4.2).
 */
export function worse(a: CodecRejection | undefined, b: CodecRejection): CodecRejection {
  return a === undefined || rank(b.reason) > rank(a.reason) ? b : a;
}

function rank(reason: RejectReason): number {
  switch (reason) {
    case RejectReason.WrongTenant:
      return 5;
    case RejectReason.BadSignature:
      return 4;
    case RejectReason.AlgorithmMismatch:
      return 3;
    case RejectReason.RetiredKey:
      return 2;
    case RejectReason.UnknownKey:
      return 1;
    default:
      return 0;
  }
}
