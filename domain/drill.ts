/**
 * DR drills (PRODUCT workflow 6): the names a drill gives what it creates, so they never collide with
 * production and its clean-up finds them by name, and the measures of a drill against the tenant's targets.
 * Pure: shared by the workflow (deterministic sandbox), the activities and the API.
 */

export const DRILL_TYPES = ['checklist', 'parallel', 'full'] as const;
/**
 * `checklist`: plan, readiness, recovery points and capacity only, nothing created; `parallel`: recovery into
 * an isolated bubble while production runs; `full`: a planned failover followed by a failback.
 */
export type DrillType = (typeof DRILL_TYPES)[number];

/** A validation probe run in a drill VM's guest: its heartbeat, a TCP port, an HTTP URL. */
export interface DrillProbe {
  kind: 'heartbeat' | 'tcp' | 'http';
  port?: number;
  url?: string;
}

export interface DrillProbeResult extends DrillProbe {
  passed: boolean;
  at: string;
  detail: string;
}

/** Every resource of one drill carries its short id: `<vm>-drill-<id>`, VLAN and pool `drill-<id>`. */
export function drillVmName(vm: string, drillId: string): string {
  return `${vm}-drill-${drillId}`;
}

export function drillNetworkName(drillId: string): string {
  return `drill-${drillId}`;
}

/** Whether a VM, record or snapshot name is one of this drill's. */
export function isDrillResource(name: string, drillId: string): boolean {
  return name.endsWith(`-drill-${drillId}`);
}

/** The drill zone beside a production zone: its records name drill VMs only, never a production host. */
export function drillZoneOf(fqdn: string): string | null {
  const dot = fqdn.indexOf('.');
  return dot > 0 ? `drill.${fqdn.slice(dot + 1)}` : null;
}

/**
 * A drill's subnet, in the benchmarking range (198.18.0.0/15, RFC 2544) that no production network routes,
 * one /24 per drill VLAN id.
 */
export function drillSubnet(vlanId: number): string {
  const n = vlanId % 512;
  return `198.${18 + Math.floor(n / 256)}.${n % 256}.0/24`;
}

/** Achieved RTO (recovery start to all green) and RPO (the oldest recovery point's age at the start), in seconds. */
export function drillMeasures(o: {
  startedAt: string;
  allGreenAt: string | null;
  points: { at: string }[];
  targets: { rtoMinutes: number; rpoMinutes: number };
}): { rto: { targetSeconds: number; achievedSeconds: number | null; passed: boolean }; rpo: { targetSeconds: number; achievedSeconds: number | null; passed: boolean } } {
  const start = Date.parse(o.startedAt);
  const rtoSeconds = o.allGreenAt ? (Date.parse(o.allGreenAt) - start) / 1000 : null;
  const rpoSeconds = o.points.length > 0 ? Math.max(...o.points.map((p) => (start - Date.parse(p.at)) / 1000)) : null;
  const rtoTarget = o.targets.rtoMinutes * 60;
  const rpoTarget = o.targets.rpoMinutes * 60;
  return {
    rto: { targetSeconds: rtoTarget, achievedSeconds: rtoSeconds, passed: rtoSeconds !== null && rtoSeconds <= rtoTarget },
    rpo: { targetSeconds: rpoTarget, achievedSeconds: rpoSeconds, passed: rpoSeconds !== null && rpoSeconds <= rpoTarget },
  };
}
