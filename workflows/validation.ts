import { patched } from '@temporalio/workflow';
import type { BatchOutcome } from '../activities/clm';
import type { VmToValidate, VmValidation } from '../activities/recovery';
import { untilAllDone } from './batch';

/** What the validation step reports: how many VMs it checked and what is wrong with which. */
export type ValidationReport = { checked: number; problems: { vm: string; problem: string }[] };

/**
 * The recovered VMs validated as a batch: a VM whose power, heartbeat or DNS could not be read is checked
 * again, alone, after a workflow timer; one that answered unhealthy is a reported problem, not a retry.
 */
export async function validateRecovered(
  validate: (input: { tenant: string; drSite: string; vms: VmToValidate[] }) => Promise<BatchOutcome<VmToValidate, VmValidation>>,
  input: { tenant: string; drSite: string; vms: VmToValidate[] },
): Promise<ValidationReport> {
  // Operations recorded before validation was a batch got the report itself from one call.
  if (!patched('validation-as-batch')) return (await validate(input)) as unknown as ValidationReport;
  const checked = await untilAllDone('validation', input.vms, (vms) => validate({ ...input, vms }));
  return { checked: checked.length, problems: checked.flatMap((v) => v.problems.map((problem) => ({ vm: v.vm, problem }))) };
}
