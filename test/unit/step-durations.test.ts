import { RECOVERY_STEP_DURATIONS } from '../../domain/step-durations';
import { DEFAULT_LATENCY_MS } from '../../infra/sim/latency';

/** The forecast's step durations are the estate's latency profile, not numbers of their own. */
describe('recovery step durations', () => {
  it('are the latency model’s real-world times of each step', () => {
    const s = (key: string) => DEFAULT_LATENCY_MS[key] / 1000;
    expect(RECOVERY_STEP_DURATIONS).toEqual({
      recover: s('inmage.recover'),
      reIp: s('compute.reconfigureNetwork'),
      powerOn: s('compute.powerOn'),
      boot: s('compute.guestBoot'),
      publish: s('dns.upsertRecord') + s('firewall.updateRule'),
    });
  });
});
