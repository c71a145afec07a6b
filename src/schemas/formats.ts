/**
 * String formats used by Herald's schemas (`date-time`, `uuid`, ...).
 *
 * TypeBox checks `format` through its global FormatRegistry; JSON Schema leaves formats to the
 * implementation. Herald registers the common ones (RFC 3339 date-time per JSON Schema 2020-12
 * §7.3.1) unless the application already registered its own, and exposes {@link checkFormat} for
 * generated validators, which must not depend on registration order.
 */
import { FormatRegistry } from '@sinclair/typebox';

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const TIME = /^(\d{2}):(\d{2}):(\d{2})(\.\d+)?(z|[+-]\d{2}:\d{2})$/i;
const DATE_TIME =
  /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(\.\d+)?(z|[+-]\d{2}:\d{2})$/i;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const HOSTNAME =
  /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/i;
const IPV4 = /^((25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;
const DAYS = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function validDate(y: number, m: number, d: number): boolean {
  if (m < 1 || m > 12 || d < 1) return false;
  const leap = y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0);
  return d <= (m === 2 && !leap ? 28 : (DAYS[m - 1] ?? 0));
}

/** The format checks Herald knows, by name. */
export const formats: Readonly<Record<string, (value: string) => boolean>> = {
  'date-time': (value) => {
    const m = DATE_TIME.exec(value);
    if (!m) return false;
    const [, y, mo, d, h, mi, s] = m;
    return validDate(+y!, +mo!, +d!) && +h! < 24 && +mi! < 60 && +s! <= 60;
  },
  date: (value) => {
    const m = DATE.exec(value);
    return m !== null && validDate(+m[1]!, +m[2]!, +m[3]!);
  },
  time: (value) => {
    const m = TIME.exec(value);
    return m !== null && +m[1]! < 24 && +m[2]! < 60 && +m[3]! <= 60;
  },
  uuid: (value) => UUID.test(value),
  email: (value) => EMAIL.test(value),
  hostname: (value) => HOSTNAME.test(value),
  ipv4: (value) => IPV4.test(value),
  uri: (value) => {
    if (!/^[a-z][a-z0-9+.-]*:/i.test(value)) return false;
    try {
      new URL(value);
      return true;
    } catch {
      return false;
    }
  },
};

for (const [name, check] of Object.entries(formats)) {
  if (!FormatRegistry.Has(name)) FormatRegistry.Set(name, check);
}

/** Checks a value against a named format; unknown formats fail closed. */
export function checkFormat(name: string, value: unknown): boolean {
  if (typeof value !== 'string') return false;
  const own = formats[name];
  if (own) return own(value);
  const registered = FormatRegistry.Get(name);
  return registered ? registered(value) : false;
}
