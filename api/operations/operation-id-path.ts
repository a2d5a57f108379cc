import type { HttpRequest, HttpResponse, Next } from '../common/http';

const PREFIX = '/v1/operations/';
/** What may follow an operation id in a path: an operator command, or a command on one of its VMs. */
const COMMAND = /^(.+)(\/(?:approve|pause|resume|abort)|\/vms\/[^/]+\/(?:skip|retry))$/;

/**
 * A child operation's id has a `/` in it (`failback:…/onboarding`, `failover:…/wave-1`), and the API shows
 * it so. This lets such an id work in a URL as shown, unencoded: the id part of the path is encoded before
 * routing, so `GET /v1/operations/failback:t:r/onboarding` is the operation `failback:t:r/onboarding`.
 */
export function operationIdPath(req: HttpRequest, _res: HttpResponse, next: Next): void {
  const url = req.url ?? '';
  if (!url.startsWith(PREFIX)) return next();
  const queryAt = url.indexOf('?');
  const rest = queryAt < 0 ? url.slice(PREFIX.length) : url.slice(PREFIX.length, queryAt);
  const query = queryAt < 0 ? '' : url.slice(queryAt);
  if (!rest.includes('/') || (req.method === 'POST' && rest.startsWith('site-failover/'))) return next();
  const command = req.method === 'POST' ? COMMAND.exec(rest) : null;
  const [id, suffix] = command ? [command[1], command[2]] : [rest, ''];
  if (!id.includes('/')) return next();
  req.url = `${PREFIX}${encodeURIComponent(safeDecode(id))}${suffix}${query}`;
  next();
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
