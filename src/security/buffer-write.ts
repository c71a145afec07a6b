/**
 * Writing a string into a Buffer at an offset, for the MAC's scratch buffers (hmac.ts), without
 * `Buffer.prototype.write`'s argument handling: its overloads (offset, length, encoding in any
 * order) validate the offset and look the encoding up on every call, about a tenth of a MAC over
 * a 400-byte message. Node's Buffers carry `utf8Write` and `latin1Write`, the methods `write`
 * ends in; where they are missing, `write` itself is used. Callers make sure the text fits.
 */

/** Writes `text` at `offset` of `buf`; returns the bytes written. */
export type StringWriter = (buf: Buffer, text: string, offset: number) => number;

/** The encoding-specific writers Node's Buffer has had since v0.x (not in its typings). */
interface NativeWriters {
  utf8Write?(text: string, offset: number): number;
  latin1Write?(text: string, offset: number): number;
}

const proto = Buffer.prototype as Buffer & NativeWriters;

/** `buf.write(text, offset, 'utf8')`. */
export const writeUtf8: StringWriter =
  typeof proto.utf8Write === 'function'
    ? (buf, text, offset) => (buf as Buffer & Required<NativeWriters>).utf8Write(text, offset)
    : (buf, text, offset) => buf.write(text, offset, 'utf8');

/** `buf.write(text, offset, 'latin1')`: one byte per UTF-16 unit (its low byte). */
export const writeLatin1: StringWriter =
  typeof proto.latin1Write === 'function'
    ? (buf, text, offset) => (buf as Buffer & Required<NativeWriters>).latin1Write(text, offset)
    : (buf, text, offset) => buf.write(text, offset, 'latin1');
