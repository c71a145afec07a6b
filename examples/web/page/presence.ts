/**
 * Who is online, from the gateway's presence events on `chat:lobby`: a `presence_state` (the
 * whole listing) replaces what the page knows; each `presence_diff` removes the refs that left
 * and adds those that joined. One ref is one open page; its meta says its name and instance.
 */
import type { PagePresenceEvent } from '../../../src/browser/index.js';

interface Meta {
  readonly meta: { readonly name: string; readonly instance: string };
  readonly ref: string;
}
type Listing = Readonly<Record<string, { readonly metas: readonly Meta[] }>>;

/** The lobby's presences by ref. */
export function presenceState() {
  const byRef = new Map<string, Meta['meta']>();
  const add = (listing: Listing): void => {
    for (const { metas } of Object.values(listing)) {
      for (const { ref, meta } of metas) byRef.set(ref, meta);
    }
  };
  return {
    /** Applies a state or a diff. */
    apply(notice: PagePresenceEvent): void {
      if (notice.event === 'presence_state') {
        byRef.clear();
        add(notice.payload as Listing);
        return;
      }
      const diff = notice.payload as { joins: Listing; leaves: Listing };
      for (const { metas } of Object.values(diff.leaves)) {
        for (const { ref } of metas) byRef.delete(ref);
      }
      add(diff.joins);
    },
    /** Each name with the instances it is connected to. */
    online(): Map<string, string[]> {
      const names = new Map<string, string[]>();
      for (const { name, instance } of byRef.values()) {
        names.set(name, [...(names.get(name) ?? []), instance]);
      }
      return names;
    },
  };
}
