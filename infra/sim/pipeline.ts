import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FaultRule } from './faults';
import { delay } from './latency';
import type { Outcome } from './ops-log';
import {
  RouteTable,
  SimError,
  badRequest,
  header,
  jsonErrorStyle,
  type Reply,
  type Req,
  type Route,
  type SystemDef,
} from './http';
import type { Sim, StoredReply } from './state';

/**
 * One request's way through the simulator:
 * settle due jobs → route → session → Idempotency-Key replay → resolve the action (tenant, target) →
 * fault → latency → run → ops log → answer.
 *
 * Idempotency: keys are scoped per system. A side-effecting call without `Idempotency-Key` is refused
 * with 400 (IDEMPOTENCY_KEY_REQUIRED). The first successful (2xx) answer for a key is stored; a repeat
 * with the same key and the same method+path gets that stored answer, is logged with outcome
 * `replayed` and does nothing; a repeat that arrives while the first is still in flight waits for it.
 * Failed answers are not stored, so a retry after a fault or refusal runs again. The same key on a
 * different method or path is refused with 422 (IDEMPOTENCY_KEY_REUSED).
 *
 * In idempotency mode `none` (`PUT /_sim/idempotency`) the key is only logged: nothing is stored, replayed
 * or joined, and the handler does not see it, so a repeat runs again as it would on the real product.
 */

const MAX_BODY = 20 * 1024 * 1024;
/** Longest a timed-out request is held before the socket is dropped. */
const MAX_HOLD_MS = 10 * 60_000;

interface Mounted {
  def: SystemDef;
  table: RouteTable;
  mountSegments: number;
}

export class Pipeline {
  private mounts: Mounted[];
  private held = new Set<() => void>();

  constructor(
    private readonly sim: Sim,
    systems: SystemDef[],
  ) {
    // Longest mount first so /mgmt/dns wins over a hypothetical /mgmt.
    this.mounts = systems
      .map((def) => ({ def, table: new RouteTable(def.routes), mountSegments: def.mount.split('/').filter(Boolean).length }))
      .sort((a, b) => b.def.mount.length - a.def.mount.length);
  }

  /** Releases every held (timed-out) request, for shutdown. */
  releaseHeld(): void {
    for (const release of [...this.held]) release();
  }

  async handle(req: IncomingMessage, res: ServerResponse, origin: string): Promise<void> {
    const url = new URL(req.url ?? '/', origin);
    const mounted = this.mounts.find(
      (m) => url.pathname === m.def.mount || url.pathname.toLowerCase().startsWith(`${m.def.mount.toLowerCase()}/`),
    );
    if (!mounted) {
      send(res, jsonErrorStyle(new SimError(404, 'NOT_FOUND', `no simulated system at ${url.pathname}`)));
      return;
    }
    const { def } = mounted;
    const sub = url.pathname.slice(def.mount.length) || '/';
    let body: unknown;
    try {
      body = await readBody(req);
    } catch (err) {
      send(res, def.errorStyle(err instanceof SimError ? err : badRequest('unreadable body')));
      return;
    }
    const request: Req = {
      method: (req.method ?? 'GET').toUpperCase(),
      path: sub,
      fullPath: url.pathname,
      params: {},
      query: url.searchParams,
      headers: req.headers,
      body,
      base: `${origin}${def.mount}`,
    };
    let reply: Reply | null;
    try {
      reply = await this.dispatch(mounted, request, res);
    } catch (err) {
      reply = def.errorStyle(
        err instanceof SimError ? err : new SimError(500, 'INTERNAL', err instanceof Error ? err.message : String(err)),
      );
    }
    if (reply) send(res, reply);
  }

  private async dispatch(m: Mounted, req: Req, res: ServerResponse): Promise<Reply | null> {
    const { def } = m;
    this.sim.scheduler.settle();
    const found = m.table.match(req.method, req.path);
    if (found === null) throw new SimError(404, 'NOT_FOUND', `${req.method} ${req.fullPath}: no such resource`);
    if (found === 'method') throw new SimError(405, 'METHOD_NOT_ALLOWED', `${req.method} not allowed on ${req.fullPath}`);
    const { route, params } = found;
    req.params = params;
    if (!route.public && def.authenticate) def.authenticate(req);
    return route.effect ? this.sideEffect(def, route, req, res) : this.readOnly(def, route, req, res);
  }

  private async readOnly(def: SystemDef, route: Route, req: Req, res: ServerResponse): Promise<Reply | null> {
    const action = route.handle(req);
    const fault = this.sim.faults.fire(def.system, route.op, action.target ?? null, action.tenant ?? null);
    await delay(this.sim.latency.scaledMs(`${def.system}.${route.op}`) + (fault?.latencyMs ?? 0));
    if (fault && (fault.timeout || fault.stuck)) {
      await this.hold(res);
      return null;
    }
    if (fault && fault.status) return def.errorStyle(faultError(fault));
    this.sim.scheduler.settle();
    return action.run({ stuck: false, idempotencyKey: null });
  }

  private async sideEffect(def: SystemDef, route: Route, req: Req, res: ServerResponse): Promise<Reply | null> {
    const sim = this.sim;
    const startedAt = sim.clock.iso();
    const key = header(req.headers, 'idempotency-key') ?? null;
    const fingerprint = `${req.method} ${req.path}`;
    const log = (outcome: Outcome, status: number, tenant: string | null, target: string | null, detail?: string): void => {
      sim.log.append({
        system: def.system,
        op: route.op,
        tenant,
        target,
        idempotencyKey: key,
        outcome,
        status,
        startedAt,
        finishedAt: sim.clock.iso(),
        ...(detail ? { detail } : {}),
      });
    };

    if (!key && sim.options.requireIdempotencyKey) {
      log('error', 400, null, null, 'IDEMPOTENCY_KEY_REQUIRED');
      return def.errorStyle(new SimError(400, 'IDEMPOTENCY_KEY_REQUIRED', 'side-effecting calls must carry an Idempotency-Key header'));
    }
    const storeKey = key && sim.idempotency === 'store' ? `${def.system}|${key}` : null;
    // Loop: a duplicate that waited on a first attempt which then failed re-checks, so that of several
    // waiting duplicates exactly one runs afresh and the others wait on it.
    for (let stored = storeKey ? sim.state.idempotency.get(storeKey) : undefined; stored; stored = storeKey ? sim.state.idempotency.get(storeKey) : undefined) {
      if (stored.fingerprint !== fingerprint) {
        log('error', 422, stored.tenant, stored.target, 'IDEMPOTENCY_KEY_REUSED');
        return def.errorStyle(
          new SimError(422, 'IDEMPOTENCY_KEY_REUSED', `Idempotency-Key ${key} was used for ${stored.fingerprint}`),
        );
      }
      const reply = stored.reply ?? (await stored.pending);
      if (reply) {
        log('replayed', reply.status, stored.tenant, stored.target);
        return reply;
      }
    }

    let resolveEntry: (r: Reply | null) => void = () => undefined;
    let entry: StoredReply | null = null;
    const state = sim.state;
    if (storeKey) {
      entry = { fingerprint, system: def.system, op: route.op, tenant: null, target: null, reply: null, pending: null };
      entry.pending = new Promise<Reply | null>((resolve) => (resolveEntry = resolve));
      state.idempotency.set(storeKey, entry);
    }
    const finish = (reply: Reply | null): void => {
      if (entry && storeKey) {
        if (reply && reply.status < 300) {
          entry.reply = reply;
          entry.pending = null;
        } else if (state.idempotency.get(storeKey) === entry) {
          state.idempotency.delete(storeKey);
        }
      }
      resolveEntry(reply && reply.status < 300 ? reply : null);
    };

    let tenant: string | null = null;
    let target: string | null = null;
    try {
      const action = route.handle(req);
      tenant = action.tenant ?? null;
      target = action.target ?? null;
      if (entry) {
        entry.tenant = tenant;
        entry.target = target;
      }
      const fault = sim.faults.fire(def.system, route.op, target, tenant);
      // A job operation is accepted at once and its job takes the op's time (see Action.answersAfterLatency).
      const answerMs = action.jobs && !action.answersAfterLatency ? 0 : sim.latency.scaledMs(`${def.system}.${route.op}`);
      await delay(answerMs + (fault?.latencyMs ?? 0));
      sim.scheduler.settle();
      const timesOut = fault !== null && (fault.timeout || (fault.stuck && !action.jobs));
      if (fault && !fault.lostResponse && (timesOut || fault.status)) {
        finish(null);
        if (timesOut) {
          log('timeout', 504, tenant, target, fault.id);
          await this.hold(res);
          return null;
        }
        log('fault', fault.status, tenant, target, fault.id);
        return def.errorStyle(faultError(fault));
      }
      const reply = await action.run({ stuck: fault?.stuck === true && action.jobs === true, idempotencyKey: storeKey ? key : null });
      log(reply.status < 300 ? 'ok' : 'error', reply.status, tenant, target);
      finish(reply);
      if (fault && fault.lostResponse) {
        if (fault.timeout) {
          await this.hold(res);
          return null;
        }
        return def.errorStyle(faultError(fault));
      }
      return reply;
    } catch (err) {
      const e = err instanceof SimError ? err : new SimError(500, 'INTERNAL', err instanceof Error ? err.message : String(err));
      log('error', e.status, tenant, target, e.code);
      finish(null);
      return def.errorStyle(e);
    }
  }

  /** Holds a request without answering until the client gives up (or a long cap), then drops it. */
  private hold(res: ServerResponse): Promise<void> {
    return new Promise((resolve) => {
      if (res.destroyed || res.socket === null || res.socket.destroyed) {
        resolve();
        return;
      }
      const release = (): void => {
        clearTimeout(timer);
        this.held.delete(release);
        if (!res.destroyed) res.destroy();
        resolve();
      };
      const timer = setTimeout(release, MAX_HOLD_MS);
      this.held.add(release);
      res.on('close', release);
    });
  }
}

function faultError(fault: FaultRule): SimError {
  const status = fault.status || 503;
  return new SimError(status, status === 503 ? 'SERVICE_UNAVAILABLE' : 'INJECTED_FAULT', `injected fault ${fault.id}`, {
    fault: fault.id,
  });
}

function send(res: ServerResponse, reply: Reply): void {
  if (res.headersSent || res.destroyed) return;
  const headers: Record<string, string> = { ...(reply.headers ?? {}) };
  let payload: string | undefined;
  if (reply.body !== undefined && reply.status !== 204) {
    payload = JSON.stringify(reply.body);
    headers['Content-Type'] = 'application/json';
    headers['Content-Length'] = String(Buffer.byteLength(payload));
  }
  res.writeHead(reply.status, headers);
  res.end(payload);
}

async function readBody(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buf = chunk as Buffer;
    size += buf.length;
    if (size > MAX_BODY) throw badRequest('body too large');
    chunks.push(buf);
  }
  if (size === 0) return undefined;
  const text = Buffer.concat(chunks).toString('utf8');
  const type = String(req.headers['content-type'] ?? '');
  if (type.includes('application/x-www-form-urlencoded')) {
    return Object.fromEntries(new URLSearchParams(text));
  }
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw badRequest('body is not valid JSON');
  }
}
