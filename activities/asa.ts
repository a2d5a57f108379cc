import type { IpsecTunnelSpec } from '../infra/clients/asa';
import type { DrTunnelRecord } from '../workflows/contracts';
import type { ActivityDeps } from './deps';
import { whileWaiting } from './heartbeat';

/** Cisco ASA: the tenant's VPN context and the site-to-site IPsec tunnel that carries InMage replication. */
export function createAsaActivities(deps: ActivityDeps) {
  const asa = deps.clients.asa;

  return {
    /** A security context per tenant for IPsec VPN (outside: the first server VLAN; inside: the InMage VLAN). */
    async createVpnContext(input: {
      name: string;
      tenant: string;
      interfaces: { name: string; vlan: number }[];
      idempotencyKey: string;
    }): Promise<{ name: string; alreadyExisted: boolean }> {
      const { context, alreadyExisted } = await whileWaiting(`ASA context ${input.name}`, () =>
        asa.createSecurityContext({ name: input.name, tenant: input.tenant, interfaces: input.interfaces }, input.idempotencyKey),
      );
      return { name: context.name, alreadyExisted };
    },

    async deleteVpnContext(input: { name: string; idempotencyKey: string }): Promise<{ deleted: boolean }> {
      return { deleted: await whileWaiting(`removal of ASA context ${input.name}`, () => asa.deleteSecurityContext(input.name, input.idempotencyKey)) };
    },

    /** The crypto-map entry for replication, then `write memory` so it survives a reload. */
    async configureReplicationTunnel(input: { context: string; spec: IpsecTunnelSpec; idempotencyKey: string }): Promise<DrTunnelRecord> {
      const { tunnel } = await asa.configureIpsecTunnel(input.context, input.spec, input.idempotencyKey);
      await asa.saveConfig(input.context, `${input.idempotencyKey}:writemem`);
      return { interface: tunnel.interface, sequence: tunnel.sequence, peer: tunnel.peer, localNetwork: tunnel.localNetwork, remoteNetwork: tunnel.remoteNetwork };
    },

    /** By sequence, or by peer when the tunnel's answer never came (or was not waited for); already gone is fine. */
    async removeReplicationTunnel(input: { context: string; iface: string; sequence?: number; peer?: string; idempotencyKey: string }): Promise<{ removed: boolean }> {
      if (!(await asa.getSecurityContext(input.context))) return { removed: false };
      const sequence = input.sequence ?? (await asa.listIpsecTunnels(input.context, input.iface)).find((t) => t.peer === input.peer)?.sequence;
      if (sequence === undefined) return { removed: false };
      return { removed: await asa.removeIpsecTunnel(input.context, input.iface, sequence, input.idempotencyKey) };
    },

    /** Read-only: the tunnel's live status (UP, NEGOTIATING, DOWN with a reason). */
    async getReplicationTunnelStatus(input: { context: string; peer: string }): Promise<{ status: string; reason: string | null; bytesTx: number; bytesRx: number }> {
      const [t] = await asa.getTunnelStatus(input.context, input.peer);
      if (!t) return { status: 'MISSING', reason: `no tunnel to ${input.peer} in context ${input.context}`, bytesTx: 0, bytesRx: 0 };
      return { status: t.status, reason: t.reason, bytesTx: t.bytesTx, bytesRx: t.bytesRx };
    },
  };
}
