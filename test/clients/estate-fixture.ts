import { ApplicationFailure } from '@temporalio/common';
import { createEstateClients, estateConfigFromSimulator, type EstateClients, type SystemEndpoint } from '../../infra/clients';
import { startSimulator, type RunningSimulator, type SimulatorOptions } from '../../infra/sim/server';

/** The real simulator plus the estate's clients pointed at it, and the control API the tests drive. */
export interface Estate {
  sim: RunningSimulator;
  clients: EstateClients;
  control: SimControl;
  close(): Promise<void>;
}

export interface OpEntry {
  seq: number;
  system: string;
  op: string;
  tenant: string | null;
  target: string | null;
  idempotencyKey: string | null;
  outcome: 'ok' | 'error' | 'fault' | 'timeout' | 'replayed';
  status: number;
  /** On the simulator clock: when the call arrived and when it answered. */
  startedAt: string;
  finishedAt: string;
  detail?: string;
}

/** The part of `POST /_sim/scenario`'s answer the tests read. */
export interface SeededEstate {
  tenants: { id: string; vms: { name: string; ip: string }[] }[];
}

export class SimControl {
  constructor(readonly url: string) {}

  async request<T = unknown>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
    const res = await fetch(`${this.url}${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T };
  }

  async reset(): Promise<void> {
    await this.request('POST', '/_sim/reset');
  }

  async scenario(body: Record<string, unknown>): Promise<SeededEstate> {
    const res = await this.request<SeededEstate>('POST', '/_sim/scenario', body);
    if (res.status !== 201) throw new Error(`scenario: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  }

  async fault(rule: Record<string, unknown>): Promise<void> {
    const res = await this.request('POST', '/_sim/faults', rule);
    if (res.status !== 201) throw new Error(`fault: ${res.status} ${JSON.stringify(res.body)}`);
  }

  async ops(query: Record<string, string> = {}): Promise<OpEntry[]> {
    const res = await this.request<{ ops: OpEntry[] }>('GET', `/_sim/ops?${new URLSearchParams(query).toString()}`);
    return res.body.ops;
  }

  /** The entries for one idempotency key. */
  async opsForKey(key: string): Promise<OpEntry[]> {
    return (await this.ops()).filter((e) => e.idempotencyKey === key);
  }

  /** `none`: the simulator ignores Idempotency-Keys as the real products do, so a repeated call runs again. */
  async idempotency(mode: 'store' | 'none'): Promise<void> {
    const res = await this.request('PUT', '/_sim/idempotency', { mode });
    if (res.status !== 200) throw new Error(`idempotency: ${res.status} ${JSON.stringify(res.body)}`);
  }

  async advance(ms: number): Promise<void> {
    await this.request('POST', '/_sim/clock', { advanceMs: ms });
  }

  async state(tenant?: string): Promise<unknown> {
    return (await this.request('GET', `/_sim/state${tenant ? `?tenant=${tenant}` : ''}`)).body;
  }
}

export type CallTimeouts = Pick<SystemEndpoint, 'timeoutMs' | 'sideEffectTimeoutMs' | 'slowTimeoutMs'>;

/** On a compressed clock every call answers in milliseconds: one short timeout for every call class. */
export const COMPRESSED_CALL_TIMEOUTS: CallTimeouts = { timeoutMs: 5_000, sideEffectTimeoutMs: 5_000, slowTimeoutMs: 5_000 };

/** timeScale 0: jobs finish on the next call, so tests need not wait. */
export async function startEstate(opts: SimulatorOptions = {}, timeouts: CallTimeouts = COMPRESSED_CALL_TIMEOUTS): Promise<Estate> {
  const sim = await startSimulator({ port: 0, timeScale: 0, ...opts });
  const clients = createEstateClients(estateConfigFromSimulator(sim.url, timeouts));
  const control = new SimControl(sim.url);
  return {
    sim,
    clients,
    control,
    async close() {
      await clients.close();
      await sim.close();
    },
  };
}

/** The ApplicationFailure a call rejects with (fails the test if it resolves or throws something else). */
export async function failure(p: Promise<unknown>): Promise<ApplicationFailure> {
  try {
    await p;
  } catch (err) {
    if (err instanceof ApplicationFailure) return err;
    throw err;
  }
  throw new Error('expected the call to fail');
}

let n = 0;
/** A fresh idempotency key, shaped like the workflow-minted ones. */
export function key(step: string): string {
  return `wf-test-${process.pid}-${++n}:${step}`;
}
