/**
 * The envelope codec: builds, signs and encodes outbound envelopes; decodes and verifies inbound
 * bytes. The wire format is JWS (RFC 7515) — compact serialization with one signature, general
 * JSON serialization with several (key rotation) — so any JOSE library can check it. The normative
 * description is docs/wire-format.md.
 *
 * Inbound order matters: size cap, then the signature over the exact bytes received, and only
 * then the payload is decoded (depth, duplicate and forbidden keys scanned before `JSON.parse`).
 * Unauthenticated bytes are never parsed beyond a small, bounded header.
 */
import { ConfigError, ErrorCode, HeraldError, ValidationError } from '../errors.js';
import { DEFAULT_MAX_BYTES } from '../rules.js';
import {
  batchJson,
  type CodecRejection,
  type Envelope,
  type EnvelopeFields,
  type Header,
  itemJson,
  payloadJson,
  protectedHeader,
  readEnvelope,
  readHeader,
  toText,
} from './envelope.js';
import { createMac, type Mac } from './hmac.js';
import { type JsonProblem, scanJson, scanOwnJson } from './json-guard.js';
import { Algorithm, type KeyRing, type ResolvedKey } from './keys.js';
import { RejectReason } from './reasons.js';
import { signSegments, verifySegments } from './signature.js';
import { tenantTag } from './tenant.js';

export type { CodecRejection, Envelope, EnvelopeFields } from './envelope.js';
export {
  BATCH_TYPE,
  ENVELOPE_TYPE,
  itemJson,
  MAX_BATCH,
  payloadJson,
  protectedHeader,
} from './envelope.js';

/** The fields of one message of a batch: the envelope fields but `epoch`. */
export type ItemFields = Omit<EnvelopeFields, 'epoch'>;

/** Decode limits for untrusted input. */
export interface DecodeLimits {
  /**
   * Largest message accepted, in bytes on the wire (a 1 MiB payload is about 1.4 MiB encoded).
   * @default 2097152
   */
  readonly maxBytes?: number;
  /**
   * Deepest nesting of objects and arrays in a payload.
   * @default 32
   */
  readonly maxDepth?: number;
}

const DEFAULT_MAX_DEPTH = 32;
const MAX_SIGNATURES = 4;
const HEADER_CACHE_SIZE = 256;
const PROBLEM_TEXT: Record<JsonProblem, string> = {
  too_deep: 'nested too deep',
  duplicate_key: 'an object has the same key twice',
  forbidden_key: 'a __proto__ or constructor.prototype key',
  malformed: 'not serializable as JSON',
};
const BASE64URL = /^[A-Za-z0-9_-]+$/;
// An empty signature segment (alg "none") is let through to be refused as algorithm_mismatch.
const COMPACT = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;
/** Encoder and decoder bound to one node's key ring. */
export interface Codec {
  /** Signs and encodes envelope fields for the wire. */
  encode(fields: EnvelopeFields): string;
  /**
   * Checks one message for a batch as {@link Codec.encode} would (scope, depth, keys) and returns
   * its JSON; throws the same errors.
   */
  item(fields: ItemFields): string;
  /**
   * Signs messages of one channel as one batch envelope (docs/wire-format.md §3a): each keeps its
   * own fields; one signature covers them all. `items` come from {@link Codec.item}.
   */
  encodeBatch(epoch: string, items: readonly string[]): string;
  /** Verifies and decodes inbound bytes holding one envelope (a batch is refused). Never throws. */
  decode(input: string | Uint8Array): Envelope | CodecRejection;
  /** Verifies and decodes inbound bytes: the envelope, or each envelope of a batch. Never throws. */
  decodeAll(input: string | Uint8Array): readonly Envelope[] | CodecRejection;
  /**
   * True for bytes this bus instance signed itself — its own echo on a shared channel: this
   * node's exact header, a payload that starts with this instance's `epoch`, and a MAC that
   * verifies. Another process's message under the same node id (another epoch) is not an echo:
   * it goes on to decode, where the bus rejects it as `duplicate_node`.
   */
  isOwn(input: string | Uint8Array, epoch: string): boolean;
  /**
   * Throws unless this node may sign for `topic`: a ConfigError on a verify-only node, a
   * FORBIDDEN_TOPIC HeraldError naming topic and key when a signing key's scopes exclude it.
   */
  authorize(topic: string): void;
}

/** True when a decode result is a rejection. */
export function isRejection<T extends Envelope | readonly Envelope[]>(
  result: T | CodecRejection,
): result is CodecRejection {
  return (result as CodecRejection).reason !== undefined;
}

/**
 * Creates the codec of one node. With `tenant`, its headers carry the tenant's tag (`ten`,
 * docs/wire-format.md §2) and it accepts only messages signed for that tenant; without, only
 * messages signed for no tenant. Anything else is `wrong_tenant`.
 */
export function createCodec(
  ring: KeyRing,
  node: string,
  limits: DecodeLimits = {},
  tenant?: string,
): Codec {
  const maxBytes = limits.maxBytes ?? DEFAULT_MAX_BYTES;
  const maxDepth = limits.maxDepth ?? DEFAULT_MAX_DEPTH;
  const ten = tenant === undefined ? undefined : tenantTag(tenant);
  const ownHeaders = ring.signing.map((key) => protectedHeader(key.kid, key.alg, node, false, ten));
  const ownBatchHeaders = ring.signing.map((key) =>
    protectedHeader(key.kid, key.alg, node, true, ten),
  );
  const ownPrefix = ring.signing.length === 1 ? `${ownHeaders[0]}.` : undefined;
  const ownBatchPrefix = ring.signing.length === 1 ? `${ownBatchHeaders[0]}.` : undefined;
  const headerCache = new Map<string, Header | null>();
  // HS256 keys sign and verify through a MAC bound to the key (hmac.ts); EdDSA keys do not.
  const macs = new Map<ResolvedKey, Mac>();
  for (const key of ring.verify.values())
    if (key.alg === Algorithm.HS256) macs.set(key, createMac(key));

  /**
   * True when `signature` signs the segments under `key`. `wire`, when given, is the compact
   * message the segments were cut from: its first characters are the signing input, so the MAC
   * reads them in place instead of joining the segments again.
   */
  function verifies(
    key: ResolvedKey,
    headerSeg: string,
    payloadSeg: string,
    signature: string,
    wire?: string,
  ): boolean {
    const mac = macs.get(key);
    if (mac === undefined) return verifySegments(key, headerSeg, payloadSeg, signature);
    const length = headerSeg.length + 1 + payloadSeg.length;
    return mac.check(wire ?? `${headerSeg}.${payloadSeg}`, length, signature);
  }

  // The payload of every envelope this instance signs starts with `{"epoch":"<epoch>"`.
  let epochText = '';
  let epochB64 = '';
  /** True when a base64url payload segment starts with `{"epoch":"<epoch>"` (§3, §3a). */
  function startsWithEpoch(payloadSeg: string, epoch: string): boolean {
    const start = `{"epoch":${JSON.stringify(epoch)}`;
    if (start !== epochText) {
      epochText = start;
      // Whole 3-byte groups encode the same whatever follows; Herald's 16-hex epoch makes 27
      // bytes, so the comparison is one string prefix test. Otherwise decode a few characters.
      epochB64 = start.length % 3 === 0 ? Buffer.from(start, 'utf8').toString('base64url') : '';
    }
    if (epochB64 !== '') return payloadSeg.startsWith(epochB64);
    const head = Math.ceil((start.length + 1) / 3) * 4;
    return Buffer.from(payloadSeg.slice(0, head), 'base64url').toString('latin1').startsWith(start);
  }

  // The header of the last message: a stream from one publisher repeats it byte for byte.
  let lastSegment = '';
  let lastHeader: Header | null = null;

  function cachedHeader(segment: string): Header | null {
    if (segment === lastSegment) return lastHeader;
    let header = headerCache.get(segment);
    if (header === undefined) {
      header = readHeader(segment);
      if (headerCache.size >= HEADER_CACHE_SIZE) headerCache.clear();
      headerCache.set(detached(segment), header);
    }
    lastSegment = detached(segment);
    lastHeader = header;
    return header;
  }

  /** Verifies one signature; undefined on success, else why not. */
  function verifyOne(
    headerSeg: string,
    payloadSeg: string,
    signature: string,
    wire?: string,
  ): CodecRejection | Header {
    const header = cachedHeader(headerSeg);
    if (header === null)
      return {
        reason: RejectReason.Malformed,
        detail: 'the protected header is not a Herald header',
      };
    const key = ring.verify.get(header.kid);
    if (key === undefined) {
      return ring.retired.has(header.kid)
        ? {
            reason: RejectReason.RetiredKey,
            detail: `key ${JSON.stringify(header.kid)} is retired`,
            kid: header.kid,
            node: header.nid,
          }
        : {
            reason: RejectReason.UnknownKey,
            // Untrusted text: JSON-quoted, so control characters cannot forge log lines.
            detail: `key ${JSON.stringify(header.kid)} is not in the allow-list`,
            kid: header.kid,
            node: header.nid,
          };
    }
    if (header.alg !== key.alg) {
      return {
        reason: RejectReason.AlgorithmMismatch,
        detail: `header says ${JSON.stringify(header.alg)} but key "${key.kid}" is pinned to ${key.alg}`,
        kid: key.kid,
        node: header.nid,
      };
    }
    if (!verifies(key, headerSeg, payloadSeg, signature, wire)) {
      return {
        reason: RejectReason.BadSignature,
        detail: `signature with key "${key.kid}" does not verify`,
        kid: key.kid,
        node: header.nid,
      };
    }
    // The tenant tag is signed: a message of one tenant replayed into another's namespace (a
    // key shared by tenants) verifies, and is refused here.
    if (header.ten !== ten) {
      return {
        reason: RejectReason.WrongTenant,
        detail:
          header.ten === undefined
            ? 'signed for no tenant, but this bus belongs to a tenant'
            : ten === undefined
              ? `signed for tenant tag ${header.ten}, but this bus has no tenant`
              : `signed for tenant tag ${header.ten}, not this bus's tenant (tag ${ten})`,
        kid: key.kid,
        node: header.nid,
      };
    }
    return header;
  }

  /**
   * The envelope, attributed to the first verified key whose scopes allow its topic; or
   * `forbidden_topic` when none does: a valid key signed for a topic it may not publish. A batch
   * is refused whole when any of its messages is out of scope: its signer overstepped.
   */
  function inScope(
    decoded: Envelope | readonly Envelope[] | CodecRejection,
    verified: readonly Header[],
  ): Envelope | readonly Envelope[] | CodecRejection {
    if (isRejection(decoded)) return decoded;
    if (!Array.isArray(decoded)) return scoped(decoded as Envelope, verified);
    const out: Envelope[] = [];
    for (const env of decoded as readonly Envelope[]) {
      const one = scoped(env, verified);
      if (isRejection(one)) return one;
      out.push(one);
    }
    return out;
  }

  function scoped(env: Envelope, verified: readonly Header[]): Envelope | CodecRejection {
    let allowed: Header | undefined;
    for (const h of verified) {
      if (ring.verify.get(h.kid)?.scope.allows(env.topic)) {
        allowed = h;
        break;
      }
    }
    if (allowed === undefined) {
      return {
        reason: RejectReason.ForbiddenTopic,
        detail: `key "${env.kid}" may not sign for topic "${env.topic}"`,
        kid: env.kid,
        node: env.node,
      };
    }
    return allowed.kid === env.kid ? env : { ...env, kid: allowed.kid };
  }

  function decodeGeneral(text: string): Envelope | readonly Envelope[] | CodecRejection {
    if (scanJson(text, 3) !== undefined)
      return { reason: RejectReason.Malformed, detail: 'not a JWS JSON serialization' };
    let outer: unknown;
    try {
      outer = JSON.parse(text);
    } catch {
      return { reason: RejectReason.Malformed, detail: 'not JSON' };
    }
    const o = outer as { payload?: unknown; signatures?: unknown };
    if (
      typeof o !== 'object' ||
      o === null ||
      typeof o.payload !== 'string' ||
      !BASE64URL.test(o.payload) ||
      !Array.isArray(o.signatures) ||
      o.signatures.length === 0 ||
      o.signatures.length > MAX_SIGNATURES
    ) {
      return {
        reason: RejectReason.Malformed,
        detail: 'not a JWS JSON serialization with 1-4 signatures',
      };
    }
    let first: CodecRejection | undefined;
    let node: string | undefined;
    const verified: Header[] = [];
    for (const sig of o.signatures as unknown[]) {
      const s = sig as { protected?: unknown; signature?: unknown };
      if (
        typeof s !== 'object' ||
        s === null ||
        typeof s.protected !== 'string' ||
        typeof s.signature !== 'string'
      ) {
        return { reason: RejectReason.Malformed, detail: 'a signature entry is malformed' };
      }
      const result = verifyOne(s.protected, o.payload, s.signature);
      const nid = 'nid' in result ? result.nid : result.node;
      if (nid !== undefined) {
        if (node !== undefined && node !== nid)
          return { reason: RejectReason.Malformed, detail: 'signatures name different nodes' };
        node = nid;
      }
      if ('nid' in result && verified.length > 0 && verified[0]!.batch !== result.batch)
        return { reason: RejectReason.Malformed, detail: 'signatures disagree on the type' };
      if ('nid' in result) verified.push(result);
      else if (first === undefined || rank(result.reason) > rank(first.reason)) first = result;
    }
    if (verified.length > 0)
      return inScope(readEnvelope(o.payload, verified[0]!, text.length, maxDepth), verified);
    return first!;
  }

  function authorize(topic: string): void {
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
  }

  return {
    authorize,

    encode(fields) {
      authorize(fields.topic);
      const json = payloadJson(fields);
      refuseUnreadable(json, maxDepth + 1, fields.topic, fields.event);
      return sign(ownHeaders, Buffer.from(json, 'utf8').toString('base64url'));
    },

    item(fields) {
      authorize(fields.topic);
      const json = itemJson(fields);
      refuseUnreadable(json, maxDepth + 1, fields.topic, fields.event);
      return json;
    },

    encodeBatch(epoch, items) {
      const json = batchJson(epoch, items);
      return sign(ownBatchHeaders, Buffer.from(json, 'utf8').toString('base64url'));
    },

    isOwn(input, epoch) {
      // Our own echo on a shared channel: our exact header, our epoch AND a MAC that verifies
      // with our key. Anything else that merely starts with our header goes on to decode: a
      // forgery is rejected there, another process with our node id as duplicate_node.
      if (ownPrefix === undefined || ownBatchPrefix === undefined) return false;
      const text = typeof input === 'string' ? input : toText(input, maxBytes);
      if (typeof text !== 'string') return false;
      const batch = !text.startsWith(ownPrefix);
      const prefix = batch ? ownBatchPrefix : ownPrefix;
      if (batch && !text.startsWith(prefix)) return false;
      const dot2 = text.indexOf('.', prefix.length);
      if (dot2 < 0) return false;
      const payload = text.slice(prefix.length, dot2);
      if (!startsWithEpoch(payload, epoch)) return false;
      const header = (batch ? ownBatchHeaders : ownHeaders)[0]!;
      return verifies(ring.signing[0]!, header, payload, text.slice(dot2 + 1), text);
    },

    decode(input) {
      const decoded = decodeAny(input);
      if (isRejection(decoded) || !Array.isArray(decoded))
        return decoded as Envelope | CodecRejection;
      return {
        reason: RejectReason.Malformed,
        detail: 'a batch envelope where one message was expected',
      };
    },

    decodeAll(input) {
      const decoded = decodeAny(input);
      return isRejection(decoded) || Array.isArray(decoded) ? decoded : [decoded as Envelope];
    },
  };

  /** The envelope, or a batch's envelopes (an array), or why not. */
  function decodeAny(input: string | Uint8Array): Envelope | readonly Envelope[] | CodecRejection {
    // A compact JWS is base64url and dots only, so printable ASCII (§7 step 2) follows from the
    // match and the separate scan is spared; anything else takes the steps in order.
    const compact =
      typeof input === 'string' &&
      input.length <= maxBytes &&
      input.charCodeAt(0) !== 0x7b &&
      COMPACT.test(input);
    const text = compact ? input : toText(input, maxBytes);
    if (typeof text !== 'string') return text;
    if (!compact) {
      if (text.charCodeAt(0) === 0x7b) return decodeGeneral(text);
      if (!COMPACT.test(text)) {
        return { reason: RejectReason.Malformed, detail: 'not a JWS compact serialization' };
      }
    }
    const dot1 = text.indexOf('.');
    const dot2 = text.indexOf('.', dot1 + 1);
    const headerSeg = text.slice(0, dot1);
    const payloadSeg = text.slice(dot1 + 1, dot2);
    const result = verifyOne(headerSeg, payloadSeg, text.slice(dot2 + 1), text);
    if (!('nid' in result)) return result;
    return inScope(readEnvelope(payloadSeg, result, text.length, maxDepth), [result]);
  }

  /** One signature per signing key (JWS compact for one, general JSON for several). */
  function sign(headers: readonly string[], payload: string): string {
    if (ring.signing.length === 1) {
      const input = `${headers[0]}.${payload}`;
      const mac = macs.get(ring.signing[0]!);
      if (mac !== undefined) return `${input}.${mac.of(input, input.length)}`;
      return `${input}.${signSegments(ring.signing[0]!, headers[0]!, payload)}`;
    }
    const signatures = ring.signing.map((key, i) => {
      const input = `${headers[i]}.${payload}`;
      const mac = macs.get(key);
      return {
        protected: headers[i]!,
        signature:
          mac === undefined ? signSegments(key, headers[i]!, payload) : mac.of(input, input.length),
      };
    });
    return JSON.stringify({ payload, signatures });
  }

  /**
   * Refuses at the sender what every receiver would refuse: a publish must not report "sent"
   * for a message no node can accept.
   */
  function refuseUnreadable(json: string, depth: number, topic: string, event: string): void {
    const problem = scanOwnJson(json, depth);
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
}

/**
 * A copy of `segment` that does not hold on to the message it was cut from: V8 keeps a slice as
 * a view of its parent string, so a cached header would otherwise keep a whole message (up to
 * `maxBytes`) alive. Joining flattens into a new string of the segment's own size.
 */
function detached(segment: string): string {
  return ` ${segment}`.slice(1);
}

/** With several signatures, report the most telling failure: a bad signature over an unknown key. */
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
