/**
 * The envelope codec: signs and encodes outbound messages as `herald/2` (frame.ts); decodes and
 * verifies inbound bytes, `herald/2` or — read only, for a node-by-node upgrade — `herald/1`
 * (legacy-decode.ts). Normative: docs/wire-format.md.
 *
 * `herald/2` signs the bytes it sends: the MAC runs over the message text up to its last space
 * as UTF-8, with no base64 step either way. Inbound order matters: size cap, then the head (one
 * anchored pattern, ≤ 512 characters), then the signature over the exact bytes received, and only
 * then the body is parsed (depth, duplicate and forbidden keys scanned before `JSON.parse`).
 */
import { ErrorCode, HeraldError } from '../errors.js';
import { DEFAULT_MAX_BYTES } from '../rules.js';
import { createAuthorize, refuseUnreadable } from './codec-guards.js';
import {
  byteLength,
  type DecodeAllResult,
  type DecodeResult,
  type EnvelopeFields,
  type Header,
  type ItemFields,
  inputText,
  refuse,
} from './envelope.js';
import { type Head, headText, itemJson, MAGIC, MAX_HEAD, readBody, readHead } from './frame.js';
import { createMac, type Mac } from './hmac.js';
import { Algorithm, type KeyRing, type ResolvedKey } from './keys.js';
import { createLegacyReader } from './legacy-decode.js';
import { RejectReason } from './reasons.js';
import { signInput, verifyInput } from './signature.js';
import { tenantTag } from './tenant.js';
import { createVerifier, worse } from './verify.js';

export type {
  CodecRejection,
  DecodeAllResult,
  DecodeResult,
  Envelope,
  EnvelopeFields,
  ItemFields,
} from './envelope.js';
export { ENVELOPE_TYPE, MAX_BATCH } from './envelope.js';
export { headText, itemJson } from './frame.js';

/** Decode limits for untrusted input. */
export interface DecodeLimits {
  /**
   * Largest message accepted (and sent), in bytes on the wire.
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
const HEAD_CACHE_SIZE = 256;
/** The signatures after the last space: base64url texts, comma-separated (§4). */
const SIGNATURES = /^[A-Za-z0-9_-]*(?:,[A-Za-z0-9_-]*){0,3}$/;

/** Encoder and decoder bound to one node's key ring. */
export interface Codec {
  /** Signs and encodes envelope fields for the wire (a `herald/2` message of one). */
  encode(fields: EnvelopeFields): string;
  /**
   * Checks one message for a batch as {@link Codec.encode} would (scope, depth, keys) and returns
   * its JSON; throws the same errors.
   */
  item(fields: ItemFields): string;
  /** Signs messages of one channel as one `herald/2` message; `items` from {@link Codec.item}. */
  encodeBatch(epoch: string, items: readonly string[]): string;
  /** Verifies and decodes inbound bytes holding exactly one message. Never throws. */
  decode(input: string | Uint8Array): DecodeResult;
  /** Verifies and decodes inbound bytes: every message they carry, in order. Never throws. */
  decodeAll(input: string | Uint8Array): DecodeAllResult;
  /**
   * True for bytes this bus instance signed itself — its own echo on a shared channel: this
   * node's exact head with this instance's `epoch`, and a signature that verifies. Another
   * process's message under the same node id (another epoch) is not an echo: it goes on to
   * decode, where the bus rejects it as `duplicate_node`.
   */
  isOwn(input: string | Uint8Array, epoch: string): boolean;
  /**
   * Throws unless this node may sign for `topic`: a ConfigError on a verify-only node, a
   * FORBIDDEN_TOPIC HeraldError naming topic and key when a signing key's scopes exclude it.
   */
  authorize(topic: string): void;
}

/**
 * Creates the codec of one node. With `tenant`, its heads carry the tenant's tag
 * (docs/wire-format.md §2.1) and it accepts only messages signed for that tenant; without, only
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
  // HS256 keys sign and verify through a MAC bound to the key (hmac.ts); EdDSA keys do not.
  const macs = new Map<ResolvedKey, Mac>();
  for (const key of ring.verify.values())
    if (key.alg === Algorithm.HS256) macs.set(key, createMac(key));
  const verifier = createVerifier(ring, ten);
  const legacy = createLegacyReader(verifier, macs, maxDepth);
  const authorize = createAuthorize(ring);

  // This instance's head for the last epoch it signed under (an epoch lasts a whole start()).
  let ownEpoch = '';
  let ownHead = '';
  const ownHeadOf = (epoch: string): string => {
    if (epoch !== ownEpoch) {
      ownEpoch = epoch;
      ownHead = headText(ring.signing, node, epoch, ten);
    }
    return ownHead;
  };

  /** `input` with one signature per signing key, comma-separated, after a space (§4). */
  function sign(input: string): string {
    if (ring.signing.length === 1) return `${input} ${signWith(ring.signing[0]!, input)}`;
    return `${input} ${ring.signing.map((key) => signWith(key, input)).join(',')}`;
  }

  function signWith(key: ResolvedKey, input: string): string {
    return macs.get(key)?.ofUtf8(input) ?? signInput(key, Buffer.from(input, 'utf8'));
  }

  function checkWith(key: ResolvedKey, input: string, signature: string): boolean {
    const mac = macs.get(key);
    if (mac !== undefined) return mac.checkUtf8(input, signature);
    return verifyInput(key, Buffer.from(input, 'utf8'), signature);
  }

  /** A signed message, refused when it is larger than `maxBytes` (every receiver would refuse it). */
  function sized(wire: string, topic: string, event: string): string {
    if (wire.length * 3 <= maxBytes) return wire;
    const bytes = byteLength(wire);
    if (bytes <= maxBytes) return wire;
    throw new HeraldError(
      ErrorCode.MessageTooLarge,
      `message on "${topic}" is ${bytes} bytes encoded; the limit is ${maxBytes}`,
      { topic, event, hint: 'send less data per message, or raise limits.maxBytes on every node' },
    );
  }

  // The head of the last message: a stream from one publisher repeats it byte for byte.
  const heads = new Map<string, Head | null>();
  let lastHeadText = '';
  let lastHead: Head | null = null;
  function cachedHead(text: string, end: number): Head | null {
    if (end === lastHeadText.length && text.startsWith(lastHeadText)) return lastHead;
    // A copy that does not keep the whole message alive (V8 slices view their parent).
    const key = ` ${text.slice(0, end)}`.slice(1);
    let head = heads.get(key);
    if (head === undefined) {
      head = readHead(key);
      if (heads.size >= HEAD_CACHE_SIZE) heads.clear();
      heads.set(key, head);
    }
    lastHeadText = key;
    lastHead = head;
    return head;
  }

  function decodeFrame(text: string): DecodeAllResult {
    const end = text.indexOf(' [', MAGIC.length);
    const head = end > 0 && end <= MAX_HEAD ? cachedHead(text, end) : null;
    if (head === null) return refuse(RejectReason.Malformed, 'the head is not a herald/2 head');
    const last = text.lastIndexOf(' ');
    const claims = head.claims;
    const signatures = text.slice(last + 1);
    const each = claims.length === 1 ? [signatures] : signatures.split(',');
    if (last <= end + 1 || each.length !== claims.length || !SIGNATURES.test(signatures))
      return refuse(
        RejectReason.Malformed,
        `not one base64url signature per key of the head (${claims.length})`,
      );
    const input = text.slice(0, last);
    let failed: ReturnType<typeof refuse> | undefined;
    const verified: Header[] = [];
    for (let i = 0; i < claims.length; i++) {
      const result = verifier.one(claims[i]!, (key) => checkWith(key, input, each[i]!));
      if (result.ok) verified.push(result.header);
      else failed = worse(failed, result);
    }
    if (verified.length === 0) return failed!;
    const body = readBody(
      text.slice(end + 1, last),
      head,
      verified[0]!,
      byteLength(text),
      maxDepth,
    );
    return body.ok ? verifier.scoped(body.envelopes, verified) : body;
  }

  function decodeAll(input: string | Uint8Array): DecodeAllResult {
    const text = inputText(input, maxBytes);
    if (typeof text !== 'string') return text;
    return text.startsWith(MAGIC) ? decodeFrame(text) : legacy(text);
  }

  const codec: Codec = {
    authorize,

    encode(fields) {
      authorize(fields.topic);
      const item = itemJson(fields);
      refuseUnreadable(item, maxDepth, fields.topic, fields.event);
      return sized(sign(`${ownHeadOf(fields.epoch)} [${item}]`), fields.topic, fields.event);
    },

    item(fields) {
      authorize(fields.topic);
      const item = itemJson(fields);
      refuseUnreadable(item, maxDepth, fields.topic, fields.event);
      return item;
    },

    encodeBatch(epoch, items) {
      return sign(`${ownHeadOf(epoch)} [${items.join(',')}]`);
    },

    isOwn(input, epoch) {
      // Our own echo on a shared channel: our exact head, our epoch AND a signature that
      // verifies with our first key. Anything else goes on to decode: a forgery is rejected
      // there, another process with our node id as duplicate_node.
      if (ring.signing.length === 0) return false;
      if (typeof input !== 'string') {
        const text = inputText(input, maxBytes);
        return typeof text === 'string' && codec.isOwn(text, epoch);
      }
      const head = ownHeadOf(epoch);
      if (!input.startsWith(head) || !input.startsWith(' [', head.length)) return false;
      const last = input.lastIndexOf(' ');
      const comma = input.indexOf(',', last);
      const signature = input.slice(last + 1, comma < 0 ? undefined : comma);
      return checkWith(ring.signing[0]!, input.slice(0, last), signature);
    },

    decode(input) {
      const decoded = decodeAll(input);
      if (!decoded.ok) return decoded;
      if (decoded.envelopes.length === 1) return { ok: true, envelope: decoded.envelopes[0]! };
      const first = decoded.envelopes[0]!;
      const detail = `${decoded.envelopes.length} messages where one was expected`;
      return {
        ok: false,
        reason: RejectReason.Malformed,
        detail,
        kid: first.kid,
        node: first.node,
      };
    },

    decodeAll,
  };
  return codec;
}
