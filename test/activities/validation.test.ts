import { MockActivityEnvironment } from '@temporalio/testing';
import { createActivities } from '../../activities';
import type { BatchOutcome } from '../../activities/clm';
import type { VmToValidate, VmValidation } from '../../activities/recovery';
import { key, startEstate, type Estate } from '../clients/estate-fixture';
import { openTestInventory, type TestInventory } from '../support/inventory';

/**
 * Validation as a batch, against the simulator: a VM that answers unhealthy is a reported problem (done, not
 * retried); a VM whose state could not be read goes back for another round; a healthy one reports nothing.
 */
describe('validateRecoveredVms', () => {
  let estate: Estate;
  let inventory: TestInventory;
  let activities: ReturnType<typeof createActivities>;
  const env = new MockActivityEnvironment();

  beforeAll(async () => {
    estate = await startEstate();
    inventory = await openTestInventory('sqlite');
    activities = createActivities({ dataSource: inventory.dataSource, clients: estate.clients, estateEndpoints: [] });
  });
  afterAll(async () => {
    await inventory?.close();
    await estate?.close();
  });

  it('reports unhealthy VMs, retries unreadable ones, passes healthy ones', async () => {
    const seeded = await estate.control.scenario({ tenants: [{ id: 'northwind', vms: 4, managementVms: 0 }] });
    const vms: VmToValidate[] = [];
    for (const { name, ip } of seeded.tenants[0].vms) {
      const found = await estate.clients.compute.findVm('northwind', name, 'northwind-dc');
      // The scenario's DNS zone for tenant northwind; each VM's A record answers its address.
      vms.push({ name, vmId: found!.vm, fqdn: `${name}.northwind.example.com`, drIps: [ip] });
    }
    const [healthy, off, wrongDns, unreadable] = vms;
    await estate.clients.compute.powerOff(off.vmId, key('off'));
    wrongDns.drIps = ['203.0.113.99'];
    await estate.control.fault({ system: 'compute', op: 'getPower', target: unreadable.vmId, rate: 1, status: 503 });

    const outcome = (await env.run(activities.validateRecoveredVms, { tenant: 'northwind', drSite: 'northwind-dc', vms })) as BatchOutcome<VmToValidate, VmValidation>;

    expect(outcome.retry.map((v) => v.name)).toEqual([unreadable.name]);
    expect(outcome.lastError).toMatch(/503/);
    const problems = Object.fromEntries(outcome.done.map((d) => [d.vm, d.problems]));
    expect(problems[healthy.name]).toEqual([]);
    expect(problems[off.name]).toEqual(['power state POWERED_OFF']);
    expect(problems[wrongDns.name]).toEqual([expect.stringMatching(/^DNS .* answers /)]);
    expect(Object.keys(problems).sort()).toEqual([healthy.name, off.name, wrongDns.name].sort());
  });
});
