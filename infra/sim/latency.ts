/**
 * The latency model: how long each operation takes in the real world, scaled by one global time scale.
 *
 * Values are real-world milliseconds keyed `<system>.<op>`. What a value means depends on the operation:
 * - a synchronous call (BNA reserve, ASA objects, compute power, DNS...) answers after `ms × timeScale`;
 * - a job (CLM tasks, BNA VLAN jobs, InMage recover / drill / failback / resume / agent push, discovery
 *   runs) is accepted at once and completes `ms × timeScale` later on the simulator clock;
 * - a lazily computed progression (`inmage.resyncStep1`, `inmage.resyncStep2`, `compute.guestBoot`,
 *   `asa.tunnelUp`) is the length of that phase on the simulator clock;
 * - `inmage.replicationLag` is the longest time a write takes to reach the DR side: each pair lags by its own
 *   share of it (as it reports in `rpoSeconds`), so a tag issued now is replicated that much later.
 * timeScale 1 is real time, 0.001 turns five minutes into 300 ms, and 0 makes everything instant (used by
 * benchmarks to measure orchestration overhead). Operations not listed take no time.
 */
export const DEFAULT_LATENCY_MS: Readonly<Record<string, number>> = {
  'clm.createContainer': 20 * 60_000,
  'clm.deleteContainer': 10 * 60_000,
  'clm.createNetworkPath': 2 * 60_000,
  'clm.deleteNetworkPath': 60_000,
  'clm.createLoadBalancerPool': 2 * 60_000,
  'clm.updateLoadBalancerPool': 60_000,
  'clm.deleteLoadBalancerPool': 60_000,
  'clm.provisionServiceOffering': 30 * 60_000,
  'clm.decommissionServiceOffering': 10 * 60_000,
  'clm.createOrganization': 5_000,
  'clm.approveChange': 1_000,
  'bna.reserveIp': 2_000,
  'bna.releaseIp': 2_000,
  'bna.createPool': 5_000,
  'bna.createVlan': 60_000,
  'bna.deleteVlan': 60_000,
  'asa.createContext': 30_000,
  'asa.deleteContext': 20_000,
  'asa.createNetworkObject': 1_000,
  'asa.updateNetworkObject': 1_000,
  'asa.deleteNetworkObject': 1_000,
  'asa.createAccessRule': 1_500,
  'asa.updateAccessRule': 1_500,
  'asa.deleteAccessRule': 1_500,
  'asa.createTunnel': 5_000,
  'asa.deleteTunnel': 5_000,
  'asa.tunnelUp': 20_000,
  'asa.writeMemory': 3_000,
  'inmage.registerControlServer': 10_000,
  'inmage.deregisterControlServer': 10_000,
  'inmage.pushAgent': 2 * 60_000,
  'inmage.readinessCheck': 20_000,
  'inmage.createPlan': 60_000,
  'inmage.deletePlan': 30_000,
  'inmage.resyncStep1': 30 * 60_000,
  'inmage.resyncStep2': 5 * 60_000,
  'inmage.issueTag': 2_000,
  'inmage.replicationLag': 180_000,
  'inmage.recover': 5 * 60_000,
  'inmage.drillSnapshot': 3 * 60_000,
  'inmage.deleteDrillSnapshot': 60_000,
  'inmage.failbackProtect': 2 * 60_000,
  'inmage.resumeProtection': 60_000,
  'compute.powerOn': 45_000,
  'compute.powerOff': 20_000,
  'compute.guestBoot': 2 * 60_000,
  'compute.reconfigureNetwork': 30_000,
  'compute.deleteVm': 15_000,
  'compute.runGuestProbe': 2_000,
  'monitoring.installAgent': 60_000,
  'monitoring.uninstallAgent': 30_000,
  'monitoring.reconfigureAgent': 20_000,
  'monitoring.setRules': 5_000,
  'event-policy.upsertServerMapping': 2_000,
  'event-policy.deleteServerMapping': 2_000,
  'event-policy.upsertRouting': 2_000,
  'event-policy.rewriteEventSources': 10_000,
  'event-policy.deleteEventsBySource': 5_000,
  'firewall.createRule': 3_000,
  'firewall.updateRule': 3_000,
  'firewall.deleteRule': 3_000,
  'firewall.readdress': 15_000,
  'backup.registerNode': 10_000,
  'backup.updateNode': 5_000,
  'backup.deregisterNode': 5_000,
  'backup.scheduleBackup': 2_000,
  'patch.registerAgent': 10_000,
  'patch.updateAgent': 5_000,
  'patch.deregisterAgent': 5_000,
  'cmdb.createCi': 2_000,
  'cmdb.updateCi': 2_000,
  'cmdb.deleteCi': 2_000,
  'cmdb.createAsset': 2_000,
  'cmdb.updateAsset': 2_000,
  'cmdb.deleteAsset': 2_000,
  'ticketing.createResource': 2_000,
  'ticketing.updateResource': 2_000,
  'ticketing.deleteResource': 2_000,
  'ticketing.createTicket': 2_000,
  'discovery.runDiscovery': 10 * 60_000,
  'dns.upsertRecord': 2_000,
  'dns.deleteRecord': 2_000,
  'ldap.upsertEntry': 2_000,
  'ldap.deleteEntry': 2_000,
  'ldap.configureClient': 5_000,
};

export class LatencyModel {
  timeScale: number;
  private overrides = new Map<string, number>();

  constructor(timeScale: number) {
    this.timeScale = timeScale;
  }

  /** Real-world duration of `<system>.<op>` in ms (unscaled). */
  realMs(key: string): number {
    return this.overrides.get(key) ?? DEFAULT_LATENCY_MS[key] ?? 0;
  }

  /** Duration on the simulator clock / wall clock: real-world ms × timeScale. */
  scaledMs(key: string): number {
    return this.realMs(key) * this.timeScale;
  }

  set(key: string, ms: number): void {
    this.overrides.set(key, ms);
  }

  resetOverrides(): void {
    this.overrides.clear();
  }

  snapshot(): { timeScale: number; ops: Record<string, number> } {
    const ops: Record<string, number> = { ...DEFAULT_LATENCY_MS };
    for (const [k, v] of this.overrides) ops[k] = v;
    return { timeScale: this.timeScale, ops };
  }
}

/** Resolves after `ms` wall-clock milliseconds; 0 resolves without a timer. */
export function delay(ms: number): Promise<void> {
  if (!(ms > 0)) return Promise.resolve();
  return new Promise((resolve) => setTimeout(resolve, ms));
}
