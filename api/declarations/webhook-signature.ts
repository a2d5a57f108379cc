import { createHmac, timingSafeEqual } from 'node:crypto';

/** Headers of a signed trigger webhook. */
export const SIGNATURE_HEADERS = { source: 'x-lifeline-source', timestamp: 'x-lifeline-timestamp', signature: 'x-lifeline-signature' } as const;

/** body-parser's `verify` hook: a declaration keeps the bytes as sent, which its signature covers. */
export function keepSignedBody(req: { url?: string; rawBody?: Buffer }, body: Buffer): void {
  if (req.url?.startsWith('/v1/declarations')) req.rawBody = body;
}

/** A signed webhook older or newer than this is refused: a captured request cannot be replayed later. */
export const REPLAY_WINDOW_SECONDS = 300;

/** `sha256=<hex>` of HMAC-SHA256 over `<timestamp>.<raw body>` with the source's secret. */
export function signWebhook(secret: string, timestamp: number, body: Buffer | string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.`).update(body).digest('hex')}`;
}

/**
 * Checks a signed webhook: a known source, a timestamp within the replay window of `now`, and the
 * signature, compared in constant time. Answers why it is refused, or null when it holds.
 */
export function signatureProblem(
  secrets: Record<string, string>, headers: { source?: string; timestamp?: string; signature?: string }, rawBody: Buffer, now = Date.now(),
): string | null {
  const { source, timestamp, signature } = headers;
  if (!source || !timestamp || !signature) return `a signed webhook needs the ${Object.values(SIGNATURE_HEADERS).join(', ')} headers`;
  const secret = Object.prototype.hasOwnProperty.call(secrets, source) ? secrets[source] : undefined;
  if (!secret) return `unknown trigger source ${source}`;
  if (!/^\d{1,12}$/.test(timestamp)) return `${SIGNATURE_HEADERS.timestamp} must be Unix seconds`;
  const age = Math.abs(now / 1000 - Number(timestamp));
  if (age > REPLAY_WINDOW_SECONDS) return `timestamp outside the ${REPLAY_WINDOW_SECONDS} s window (${Math.round(age)} s off): refused as a replay`;
  const expected = Buffer.from(signWebhook(secret, Number(timestamp), rawBody));
  const given = Buffer.from(signature);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return 'signature does not match';
  return null;
}
