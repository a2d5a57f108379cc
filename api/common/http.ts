import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * The slice of Express's request and response this API touches (the project does not ship
 * @types/express; these are structurally what Express passes).
 */
export interface HttpRequest extends IncomingMessage {
  method: string;
  path: string;
  baseUrl?: string;
  route?: { path?: string };
}

export interface HttpResponse extends ServerResponse {
  status(code: number): HttpResponse;
  json(body: unknown): HttpResponse;
}

export type Next = (err?: unknown) => void;
