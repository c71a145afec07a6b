/**
 * The page's requests to the demo endpoints of its instance (`/api/...`); everything else goes
 * through the gateway's browser client (app.ts).
 */

/** GETs or POSTs a demo endpoint and returns its JSON. */
export async function call<T>(path: string, method: 'GET' | 'POST' = 'GET'): Promise<T> {
  const response = await fetch(path, { method });
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${response.statusText}`);
  return (await response.json()) as T;
}
