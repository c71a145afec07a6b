/**
 * The few DOM helpers the page uses. Text only ever goes in through `textContent`, never
 * `innerHTML`: a chat message or a node name cannot inject markup into the page.
 */

/** The element with id `id`; throws when the page lacks it (a broken page fails loudly). */
export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const found = document.getElementById(id);
  if (found === null) throw new Error(`the page has no #${id}`);
  return found as T;
}

/** A new element with text and attributes. */
export function el(
  tag: string,
  text = '',
  attributes: Readonly<Record<string, string>> = {},
): HTMLElement {
  const element = document.createElement(tag);
  element.textContent = text;
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, value);
  return element;
}

/** Appends `item` to `list`, dropping the oldest beyond `max`, and scrolls to it. */
export function append(list: HTMLElement, item: HTMLElement, max = 200): void {
  list.append(item);
  while (list.children.length > max) list.firstElementChild?.remove();
  list.scrollTop = list.scrollHeight;
}

/** A duration for people: `42 s`, `3 min 5 s`, `2 h 10 min`. */
export function duration(seconds: number): string {
  const s = Math.floor(seconds);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
}

/** Bytes for people: `12.3 MB`. */
export const megabytes = (bytes: number): string => `${(bytes / 1_048_576).toFixed(1)} MB`;
