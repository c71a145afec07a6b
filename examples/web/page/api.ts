/**
 * The page's requests to its instance: the demo endpoints (`/api/...`), page publishes through
 * the gateway (`POST /herald/publish`), and the "may I subscribe to this topic?" probe. Every
 * refusal comes back as the gateway's JSON body (`{ error, message, reason? }`) with its status.
 */

/** A refusal or failure, as the page shows it. */
export interface Refused {
  readonly status: number;
  readonly error: string;
  readonly message: string;
  readonly reason?: string;
}

async function refusedOf(response: Response): Promise<Refused> {
  const body = (await response.json().catch(() => ({}))) as Partial<Refused>;
  return {
    status: response.status,
    error: body.error ?? 'failed',
    message: body.message ?? response.statusText,
    ...(body.reason === undefined ? {} : { reason: body.reason }),
  };
}

/** GETs or POSTs a demo endpoint and returns its JSON. */
export async function call<T>(path: string, method: 'GET' | 'POST' = 'GET'): Promise<T> {
  const response = await fetch(path, { method });
  if (!response.ok) throw new Error((await refusedOf(response)).message);
  return (await response.json()) as T;
}

/** Publishes through the gateway: authorized, validated and signed by the instance. */
export async function publish(
  topic: string,
  event: string,
  payload: unknown,
): Promise<Refused | undefined> {
  const response = await fetch('/herald/publish', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ topic, event, payload }),
  });
  return response.ok ? undefined : refusedOf(response);
}

/** Asks the gateway for a stream of `topic`: undefined when allowed (closed at once), else why not. */
export async function probeTopic(topic: string): Promise<Refused | undefined> {
  const abort = new AbortController();
  const response = await fetch(`/herald/events?topic=${encodeURIComponent(topic)}`, {
    signal: abort.signal,
  });
  if (response.ok) {
    abort.abort();
    return undefined;
  }
  return refusedOf(response);
}
