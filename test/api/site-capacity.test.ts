import { getDataSourceToken } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { drCapacityLedger } from '../../activities/dr-capacity';
import { ProtectedVmEntity, TenantEntity } from '../../infra/persistence/entities';
import type { EstateClients } from '../../infra/clients';
import { DIALECTS } from '../support/databases';
import { seedEstate, startTestApp, vm, type TestApp } from '../support/api';

/**
 * A DR site's two capacities: the one configured in the inventory (PATCH), which Lifeline enforces across
 * tenants, and what DR compute reports, shown beside it; and who takes the configured one.
 */
describe.each(DIALECTS)('DR site capacity (%s)', (dialect) => {
  let t: TestApp;
  let ds: DataSource;
  beforeAll(async () => {
    t = await startTestApp(dialect);
    ds = t.app.get<DataSource>(getDataSourceToken());
  });
  afterAll(async () => t?.close());

  it('PATCH sets the enforced capacity; GET shows it with its use and what compute reports', async () => {
    const { drSiteId, tenantId } = await seedEstate(t, `cap-${dialect}`);
    const patched = await t.http.patch(`/v1/sites/${drSiteId}`).set(t.auth()).send({ capacity: { vcpu: 16, memoryMb: 32_768 } }).expect(200);
    expect(patched.body).toMatchObject({
      capacity: { vcpu: 16, memoryMb: 32_768, storageGb: 100_000, masterTargetSlots: 10 },
      capacityEnforced: 'configured',
      compute: null,
      usage: { used: { vcpu: 0, memoryMb: 0 }, free: { vcpu: 16, memoryMb: 32_768 }, tenants: [] },
      warnings: [],
    });

    // Two VMs run at the DR site (recorded failed over), a third is reserved by the failover holding the tenant.
    await t.http.post(`/v1/tenants/${tenantId}/vms`).set(t.auth()).send({ vms: [vm('app-1'), vm('app-2'), vm('app-3', { vcpu: 4, memoryMb: 8192 })] }).expect(201);
    await ds.manager.update(ProtectedVmEntity, { tenantId, name: 'app-1' }, { replicationState: 'failed-over' });
    await ds.manager.update(ProtectedVmEntity, { tenantId, name: 'app-2' }, { replicationState: 'failed-over' });
    const operationId = `failover:${tenantId}:follow-up`;
    await ds.manager.update(TenantEntity, { id: tenantId }, { activeOperationId: operationId });
    // The ledger the activities use, with compute's report as the simulator's vCenter answers it: less hardware than configured.
    const ledger = drCapacityLedger({ dataSource: ds, clients: {} as EstateClients, estateEndpoints: [] });
    const site = (await ledger.siteByName(`cap-${dialect}-dr`));
    await ledger.recordComputeReport(site, {
      site: site.name, kind: 'dr', tenant: null, down: false,
      capacity: { vcpu: 12, memoryGb: 64, storageGb: 200_000, masterTargetSlots: 16 },
      used: { vcpu: 4, memoryGb: 8, storageGb: 80, masterTargets: 1 },
      free: { vcpu: 8, memoryGb: 56, storageGb: 199_920, masterTargetSlots: 15 },
    });
    const decision = await ledger.decide({
      siteId: drSiteId, tenantId, operationId,
      vms: [{ name: 'app-1', vcpu: 2, memoryMb: 4096 }, { name: 'app-2', vcpu: 2, memoryMb: 4096 }, { name: 'app-3', vcpu: 4, memoryMb: 8192 }],
    });
    // Only app-3 is new at the site: the two already running there are not counted twice.
    expect(decision).toMatchObject({ fits: true, reserved: true, need: { vcpu: 4, memoryMb: 8192 } });

    const got = await t.http.get(`/v1/sites/${drSiteId}`).set(t.auth()).expect(200);
    expect(got.body).toMatchObject({
      capacity: { vcpu: 16, memoryMb: 32_768 },
      capacityEnforced: 'configured',
      compute: { down: false, capacity: { vcpu: 12, memoryMb: 65_536, storageGb: 200_000, masterTargetSlots: 16 }, used: { vcpu: 4, memoryMb: 8192, storageGb: 80, masterTargetSlots: 1 } },
      usage: {
        used: { vcpu: 8, memoryMb: 16_384 },
        free: { vcpu: 8, memoryMb: 16_384 },
        tenants: [{ tenantId, tenant: `cap-${dialect}`, operationId, vms: 3, vcpu: 8, memoryMb: 16_384 }],
      },
      warnings: ['configured vcpu 16 exceeds the 12 DR compute reports: failovers admitted within it may not power on'],
    });
    expect(Date.parse(got.body.compute.reportedAt)).not.toBeNaN();

    // Once the operation no longer holds the tenant, its reservation no longer counts, even before its row goes.
    await ds.manager.update(TenantEntity, { id: tenantId }, { activeOperationId: null });
    const after = await t.http.get(`/v1/sites/${drSiteId}`).set(t.auth()).expect(200);
    expect(after.body.usage).toMatchObject({ used: { vcpu: 4, memoryMb: 8192 }, tenants: [{ operationId: null, vms: 2 }] });
  });

  it('refuses a bad capacity with 400 naming the field, and changes nothing', async () => {
    const { drSiteId } = await seedEstate(t, `cap-bad-${dialect}`);
    const before = (await t.http.get(`/v1/sites/${drSiteId}`).set(t.auth()).expect(200)).body;
    for (const [capacity, message] of [[{ vcpu: -1 }, /capacity\.vcpu must not be less than 0/], [{ memoryMb: 'lots' }, /capacity\.memoryMb must be an integer/]] as const) {
      const res = await t.http.patch(`/v1/sites/${drSiteId}`).set(t.auth()).send({ capacity }).expect(400);
      expect(JSON.stringify(res.body)).toMatch(message);
    }
    expect((await t.http.get(`/v1/sites/${drSiteId}`).set(t.auth()).expect(200)).body).toEqual(before);
  });
});
