/**
 * Delivers a JSON POST with retries (exponential backoff). A 2xx answer is a delivery; any
 * other answer, a network error or a timeout is retried until the attempts run out.
 */
export interface WebhookOptions {
  /** Attempts in all (default 4). */
  attempts?: number;
  /** Wait before the second attempt; doubled after each (default 1 s). */
  backoffMs?: number;
  /** Per attempt (default 5 s). */
  timeoutMs?: number;
}

export async function postWebhook(
  url: string,
  payload: unknown,
  opts: WebhookOptions = {},
): Promise<{ delivered: boolean; attempts: number; lastError: string | null }> {
  const attempts = opts.attempts ?? 4;
  let wait = opts.backoffMs ?? 1000;
  let lastError: string | null = null;
  for (let i = 1; i <= attempts; i++) {
    try {
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'user-agent': 'updraft-guardrail' },
        body: JSON.stringify(payload),
        signal: AbortSignal.timeout(opts.timeoutMs ?? 5000),
        redirect: 'manual',
      });
      await res.arrayBuffer().catch(() => undefined);
      if (res.status >= 200 && res.status < 300) return { delivered: true, attempts: i, lastError: null };
      lastError = `HTTP ${res.status}`;
    } catch (err) {
      lastError = (err as Error).message;
    }
    if (i < attempts) {
      await new Promise((r) => setTimeout(r, wait));
      wait *= 2;
    }
  }
  return { delivered: false, attempts, lastError };
}
