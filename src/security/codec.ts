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
import { DEFAULT_MAX_BYTES } from '../rules.js';
import { createAuthorize, refuseUnreadable } from './codec-guards.js';
import {
  type DecodeAllResult,
  type DecodeResult,
  type EnvelopeFields,
  type ItemFields,
  inputText,
} from './envelope.js';
import { headText, itemJson } from './frame.js';
import { createFrameReader } from './frame-reader.js';
import type { KeyRing } from './keys.js';
import { createLegacyReader } from './legacy-decode.js';
import { RejectReason } from './reasons.js';
import { createSigner } from './signer.js';
import { tenantTag } from './tenant.js';
import { createVerifier } from './verify.js';

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
const SPACE = 0x20;
const OPEN_ARRAY = 0x5b;

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
  const signer = createSigner(ring, maxBytes);
  const verifier = createVerifier(ring, ten);
  const legacy = createLegacyReader(verifier, signer.macs, maxDepth);
  const frame = createFrameReader(verifier, signer, maxDepth);
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

  /**
   * Our own echo on a shared channel: our exact head, our epoch AND a signature that verifies
   * with our first key. Anything else goes on to decode: a forgery is rejected there, another
   * process with our node id as duplicate_node.
   */
  function isOwnText(input: string, epoch: string): boolean {
    if (ring.signing.length === 0 || input.length > maxBytes) return false;
    if (!startsWithHead(input, ownHeadOf(epoch))) return false;
    const last = input.lastIndexOf(' ');
    const comma = input.indexOf(',', last);
    const signature = input.slice(last + 1, comma < 0 ? undefined : comma);
    return signer.check(ring.signing[0]!, input.slice(0, last), signature);
  }

  /** One message's JSON, refused as every receiver would refuse it (scope, depth, keys). */
  function itemOf(fields: ItemFields): string {
    authorize(fields.topic);
    const item = itemJson(fields);
    refuseUnreadable(item, maxDepth, fields.topic, fields.event);
    return item;
  }

  function decodeAll(input: string | Uint8Array): DecodeAllResult {
    const text = inputText(input, maxBytes);
    if (typeof text !== 'string') return text;
    return frame(text) ?? legacy(text);
  }

  return {
    authorize,

    encode(fields) {
      const input = `${ownHeadOf(fields.epoch)} [${itemOf(fields)}]`;
      return signer.sized(signer.sign(input), fields.topic, fields.event);
    },

    item: itemOf,

    encodeBatch(epoch, items) {
      return signer.sign(`${ownHeadOf(epoch)} [${items.join(',')}]`);
    },

    isOwn: (input, epoch) => {
      if (typeof input === 'string') return isOwnText(input, epoch);
      const text = inputText(input, maxBytes);
      return typeof text === 'string' && isOwnText(text, epoch);
    },

    decode: (input) => single(decodeAll(input)),

    decodeAll,
  };
}

/**
 * True when `input` starts with `head` and ` [`. The two characters first: another node's head
 * (another node id or epoch length) mostly ends elsewhere, and costs no compare of the head.
 */
function startsWithHead(input: string, head: string): boolean {
  const end = head.length;
  if (input.charCodeAt(end) !== SPACE || input.charCodeAt(end + 1) !== OPEN_ARRAY) return false;
  return input.startsWith(head);
}

/** The one message of a decode, or a refusal of a body of several where one was expected. */
function single(decoded: DecodeAllResult): DecodeResult {
  if (!decoded.ok) return decoded;
  const first = decoded.envelopes[0];
  if (decoded.envelopes.length === 1) return { ok: true, envelope: first! };
  const detail = `${decoded.envelopes.length} messages where one was expected`;
  return { ok: false, reason: RejectReason.Malformed, detail, kid: first!.kid, node: first!.node };
}
