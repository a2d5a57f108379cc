import { errorBody } from './exception.filter';
import type { HttpRequest, HttpResponse, Next } from './http';

/** No API answer is cached by a browser or proxy: they hold tenants' estates, and a new token's secret. */
export function noStore(req: HttpRequest, res: HttpResponse, next: Next): void {
  if (req.url?.startsWith('/v1/')) res.setHeader('Cache-Control', 'no-store');
  next();
}

/** Methods no route answers: refused as such (405), not reported as a missing route. */
const REFUSED_METHODS = new Set(['TRACE', 'OPTIONS']);

export function refuseMethods(req: HttpRequest, res: HttpResponse, next: Next): void {
  if (!REFUSED_METHODS.has(req.method)) return next();
  res.setHeader('Allow', 'GET, POST, PUT, PATCH, DELETE');
  res.status(405).json(errorBody(405, `Method ${req.method} is not allowed`));
}

function hasBody(req: HttpRequest): boolean {
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

/**
 * Every body the API takes is JSON. Any other media type is refused (415) rather than read as an empty
 * body, which would let a form or XML PATCH through as an empty, audited update.
 */
export function requireJson(req: HttpRequest, res: HttpResponse, next: Next): void {
  if (!hasBody(req)) return next();
  const type = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
  if (type === 'application/json') return next();
  res.status(415).json(errorBody(415, `Content-Type must be application/json${type ? `, not ${type}` : ''}`));
}

/** Keys that would reach an object's prototype if merged; refused like any other unknown key. */
const PROTOTYPE_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

function prototypeKeyPath(value: unknown, path: string): string | null {
  if (value === null || typeof value !== 'object') return null;
  for (const key of Object.keys(value)) {
    const at = path ? `${path}.${key}` : key;
    if (PROTOTYPE_KEYS.has(key)) return at;
    const found = prototypeKeyPath((value as Record<string, unknown>)[key], at);
    if (found) return found;
  }
  return null;
}

/** After the JSON parser (whose depth bound keeps this walk shallow). */
export function refusePrototypeKeys(req: HttpRequest & { body?: unknown }, res: HttpResponse, next: Next): void {
  const path = prototypeKeyPath(req.body, '');
  if (!path) return next();
  res.status(400).json(errorBody(400, [`property ${path} should not exist`]));
}
