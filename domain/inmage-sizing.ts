/**
 * Sizing of a tenant's InMage control plane (Cisco DRaaS guide, ch. 3): a process server carries at most
 * 1 TB/day of change; a master target holds at most 57 VMDKs (60 SCSI slots less OS, cache and retention
 * volumes), 40 when DR drills are used; a VM maps to exactly one MT and one protection plan, a plan spans one
 * MT, and an MT protects only VMs of its own OS family. Pure: the onboarding workflow and the API use it.
 */
export const PROCESS_SERVER_GB_PER_DAY = 1024;
export const MT_VMDKS_WITH_DRILLS = 40;
export const MT_VMDKS_WITHOUT_DRILLS = 57;

export type OsFamily = 'windows' | 'linux';

export interface SizingVm {
  name: string;
  osFamily: OsFamily;
  /** Number of VMDKs (or RDMs) to replicate. */
  vmdks: number;
  changeRateGbPerDay: number;
}

export interface SizingOptions {
  drillsEnabled: boolean;
  processServerGbPerDay?: number;
}

export interface MasterTargetSizing {
  name: string;
  osFamily: OsFamily;
  protectionPlan: string;
  vms: string[];
  vmdks: number;
}

export interface ProcessServerSizing {
  name: string;
  vms: string[];
  changeRateGbPerDay: number;
}

export interface ControlPlaneSizing {
  processServers: ProcessServerSizing[];
  masterTargets: MasterTargetSizing[];
  vmdksPerMasterTarget: number;
  totalVmdks: number;
  totalChangeRateGbPerDay: number;
}

export type SizingResult = { ok: true; sizing: ControlPlaneSizing } | { ok: false; problems: string[] };

/** Biggest first, then by name, so the same tenant always sizes the same way. */
function byLoadThenName<T extends { name: string }>(load: (x: T) => number) {
  return (a: T, b: T) => load(b) - load(a) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
}

export function sizeControlPlane(tenant: string, vms: SizingVm[], opts: SizingOptions): SizingResult {
  const mtLimit = opts.drillsEnabled ? MT_VMDKS_WITH_DRILLS : MT_VMDKS_WITHOUT_DRILLS;
  const psLimit = opts.processServerGbPerDay ?? PROCESS_SERVER_GB_PER_DAY;
  const problems: string[] = [];
  for (const vm of vms) {
    if (vm.vmdks < 1) problems.push(`${vm.name}: has no VMDK to protect`);
    if (vm.vmdks > mtLimit) problems.push(`${vm.name}: ${vm.vmdks} VMDKs exceed the ${mtLimit} a master target can hold${opts.drillsEnabled ? ' with DR drills' : ''}`);
    if (vm.changeRateGbPerDay > psLimit) problems.push(`${vm.name}: ${vm.changeRateGbPerDay} GB/day of change exceeds one process server's ${psLimit} GB/day`);
  }
  if (problems.length > 0) return { ok: false, problems };

  // First-fit decreasing per OS family: few MTs, each under the VMDK ceiling.
  const masterTargets: MasterTargetSizing[] = [];
  for (const osFamily of ['windows', 'linux'] as const) {
    const family = vms.filter((vm) => vm.osFamily === osFamily).sort(byLoadThenName((vm) => vm.vmdks));
    const bins: MasterTargetSizing[] = [];
    for (const vm of family) {
      let bin = bins.find((b) => b.vmdks + vm.vmdks <= mtLimit);
      if (!bin) {
        const n = bins.length + 1;
        const short = osFamily === 'windows' ? 'win' : 'lin';
        bin = { name: `${tenant}-mt-${short}-${n}`, osFamily, protectionPlan: `${tenant}-pp-${short}-${n}`, vms: [], vmdks: 0 };
        bins.push(bin);
      }
      bin.vms.push(vm.name);
      bin.vmdks += vm.vmdks;
    }
    masterTargets.push(...bins);
  }

  // Process servers: first-fit decreasing on change rate under the daily ceiling.
  const processServers: ProcessServerSizing[] = [];
  for (const vm of [...vms].sort(byLoadThenName((v) => v.changeRateGbPerDay))) {
    let ps = processServers.find((p) => p.changeRateGbPerDay + vm.changeRateGbPerDay <= psLimit);
    if (!ps) {
      ps = { name: `${tenant}-ps-${processServers.length + 1}`, vms: [], changeRateGbPerDay: 0 };
      processServers.push(ps);
    }
    ps.vms.push(vm.name);
    ps.changeRateGbPerDay += vm.changeRateGbPerDay;
  }
  if (processServers.length === 0) processServers.push({ name: `${tenant}-ps-1`, vms: [], changeRateGbPerDay: 0 });

  return {
    ok: true,
    sizing: {
      processServers,
      masterTargets,
      vmdksPerMasterTarget: mtLimit,
      totalVmdks: vms.reduce((s, vm) => s + vm.vmdks, 0),
      totalChangeRateGbPerDay: vms.reduce((s, vm) => s + vm.changeRateGbPerDay, 0),
    },
  };
}
