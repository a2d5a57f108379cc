/**
 * A URL as it may be logged: every query value replaced, since a client may put a secret there
 * (`?access_token=…`) and a log is read by more people than the API is.
 */
export function redactQuery(url: string): string {
  const at = url.indexOf('?');
  if (at < 0) return url;
  const names = url.slice(at + 1).split('&').filter(Boolean).map((pair) => pair.split('=')[0]);
  return `${url.slice(0, at)}?${names.map((name) => `${name}=[redacted]`).join('&')}`;
}

/** pino-http's request serializer, after its standard one: the URL redacted and the parsed query left out. */
export function redactedRequest(req: { url?: string; query?: unknown; [key: string]: unknown }): Record<string, unknown> {
  const { query: _query, ...rest } = req;
  return { ...rest, url: redactQuery(req.url ?? '') };
}
