/**
 * How long each step of one VM's recovery takes, in seconds: the one source of step durations for every
 * forecast (the recovery-plan preview, the ETA of a failover and of a failback). The values are the estate's
 * latency profile, the products' typical real-world times (test/unit/step-durations.test.ts holds them to
 * the simulator's model): InMage recovery, re-IP, power-on, guest boot, then DNS and firewall.
 */
import { forecastSchedule } from './forecast';
import type { ExecutionSchedule, Forecast } from './recovery-plan';

export interface RecoveryStepDurations {
  recover: number;
  reIp: number;
  powerOn: number;
  boot: number;
  publish: number;
}

export const RECOVERY_STEP_DURATIONS: Readonly<RecoveryStepDurations> = { recover: 300, reIp: 30, powerOn: 45, boot: 120, publish: 5 };

/**
 * A resume restarts each primary VM from its own images, already in place under its own identity: no
 * recovery and no re-IP, only power-on, boot and the records pointed back.
 */
export const RESTART_STEP_DURATIONS: Readonly<RecoveryStepDurations> = { ...RECOVERY_STEP_DURATIONS, recover: 0, reIp: 0 };

/** The forecast of a recovery schedule: per VM, recover, then start (re-IP, power-on, boot), then publish. */
export function forecastRecovery(schedule: ExecutionSchedule, durations: RecoveryStepDurations = RECOVERY_STEP_DURATIONS): Forecast {
  return forecastSchedule({ schedule, durations: { recover: durations.recover, start: durations.reIp + durations.powerOn + durations.boot, publish: durations.publish } });
}
