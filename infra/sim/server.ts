import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { asaSystem } from './asa';
import { bnaSystem } from './bna';
import { clmSystem } from './clm';
import { computeSystem } from './compute';
import { controlSystem } from './control';
import type { SystemDef } from './http';
import { inmageSystem } from './inmage';
import { backupSystem } from './management/backup';
import { cmdbSystem } from './management/cmdb';
import { discoverySystem } from './management/discovery';
import { dnsSystem } from './management/dns';
import { eventPolicySystem } from './management/event-policy';
import { firewallSystem } from './management/firewall';
import { ldapSystem } from './management/ldap';
import { monitoringSystem } from './management/monitoring';
import { patchSystem } from './management/patch';
import { ticketingSystem } from './management/ticketing';
import { Pipeline } from './pipeline';
import { Sim, type IdempotencyMode } from './state';

/**
 * One HTTP server emulating the provider estate: CLM, BNA, ASA, InMage CX, DR compute and the management
 * services, each under its own prefix so a per-system base URL can point at the real product, plus the
 * `/_sim` control API.
 */
export interface SimulatorOptions {
  /** 0 = an ephemeral port. Default 0. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Real-world durations × timeScale = simulated durations. Default 1 (real time). */
  timeScale?: number;
  /** Seed for scenarios and fault dice. Default 1. */
  seed?: number;
  /** Refuse side-effecting calls without an Idempotency-Key. Default true. */
  requireIdempotencyKey?: boolean;
  /** `store` replays by Idempotency-Key, `none` ignores keys as the real products do. Default `store`. */
  idempotency?: IdempotencyMode;
}

export interface RunningSimulator {
  url: string;
  port: number;
  close(): Promise<void>;
}

export async function startSimulator(opts: SimulatorOptions = {}): Promise<RunningSimulator> {
  const host = opts.host ?? '127.0.0.1';
  const sim = new Sim({
    timeScale: opts.timeScale ?? 1,
    seed: opts.seed ?? 1,
    requireIdempotencyKey: opts.requireIdempotencyKey ?? true,
    idempotency: opts.idempotency ?? 'store',
  });
  const systems: SystemDef[] = [
    clmSystem(sim),
    bnaSystem(sim),
    asaSystem(sim),
    inmageSystem(sim),
    computeSystem(sim),
    monitoringSystem(sim),
    eventPolicySystem(sim),
    firewallSystem(sim),
    backupSystem(sim),
    patchSystem(sim),
    cmdbSystem(sim),
    ticketingSystem(sim),
    discoverySystem(sim),
    dnsSystem(sim),
    ldapSystem(sim),
  ];
  systems.push(controlSystem(sim, () => systems.filter((s) => s.system !== 'sim')));
  const pipeline = new Pipeline(sim, systems);
  let origin = '';
  const server: Server = createServer((req, res) => {
    pipeline.handle(req, res, origin).catch(() => {
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const hostForUrl = host.includes(':') ? `[${host}]` : host;
  origin = `http://${hostForUrl}:${port}`;
  return {
    url: origin,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        pipeline.releaseHeld();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
