import { CancellationScope, condition, continueAsNew, executeChild, proxyActivities, setHandler, sleep, workflowInfo } from '@temporalio/workflow';
import type { LifelineActivities } from '../activities';
import { quickCall } from './activity-options';
import { progressQuery, workflowIds, type DrCapacityWaitInput, type DrCapacityWaitResult } from './contracts';
import { childProgressView } from './child-progress';
import { historyTooLong } from './history-limit';

const systems = proxyActivities<LifelineActivities>(quickCall);

/**
 * During a site failover, waits until the DR site has room for the next tenant in tier order, re-reading its
 * free capacity every `recheckSeconds`. A site can stay full for days, so the wait is a child of the site
 * failover and continues as new before its history grows too long.
 */
export async function drCapacityWait(input: DrCapacityWaitInput): Promise<DrCapacityWaitResult> {
  const startedAt = input.carried?.startedAt ?? workflowInfo().startTime.toISOString();
  const runs = (input.carried?.runs ?? 0) + 1;
  let checks = input.carried?.checks ?? 0;
  const what = `DR capacity for ${input.tenant} at ${input.site}`;

  setHandler(progressQuery, () => childProgressView({ kind: 'site-failover', tenantId: null, startedAt, phase: `wait: ${what}`, waitingFor: what, progress: { checks, runs } }));

  for (;;) {
    await sleep(input.recheckSeconds * 1000);
    const c = await systems.drSiteCapacity({ site: input.site });
    checks += 1;
    const fits = (c.freeVcpu === null || c.freeVcpu >= input.vcpu) && (c.freeMemoryGb === null || c.freeMemoryGb >= input.memoryGb);
    if (fits) return { checks, runs };
    if (historyTooLong(input.historySoftLimit)) {
      await continueAsNew<typeof drCapacityWait>({ ...input, carried: { startedAt, checks, runs } });
    }
  }
}

/**
 * The site failover's side: waits for the child, or for an abort, which cancels it. Answers false when
 * aborted. Each wait is its own child, numbered, so a replayed site failover finds the same ones.
 */
export async function waitForDrCapacity(
  wait: Omit<DrCapacityWaitInput, 'carried'>, nth: number, aborted: () => boolean,
): Promise<boolean> {
  const scope = new CancellationScope();
  const child = scope.run(() =>
    executeChild(drCapacityWait, { workflowId: workflowIds.child(workflowInfo().workflowId, `capacity-wait-${nth}`), args: [wait] }),
  );
  const got = await Promise.race([child.then(() => true), condition(aborted).then(() => false)]);
  if (!got) {
    scope.cancel();
    await child.catch(() => undefined);
  }
  return got;
}
