import type { DrillReport, DrillVmReport } from '../../workflows/contracts';

/**
 * A drill report as a page an auditor can read and archive: the outcome, RTO and RPO against the targets,
 * a timeline with a bar per VM step, each VM's probes, the protection checks, who approved and who aborted,
 * the clean-up's proof and the plan version. Self-contained (no scripts, no external styles).
 */
export function renderDrillReport(r: DrillReport): string {
  const t0 = Date.parse(r.startedAt);
  const ends = [r.endedAt, ...r.vms.flatMap((v) => [v.finishedAt, v.healthyAt])].filter((x): x is string => !!x).map(Date.parse);
  const span = Math.max(1, ...ends.map((x) => x - t0));
  const pct = (at: string) => ((Date.parse(at) - t0) / span) * 100;
  const bar = (from: string | undefined, to: string | undefined, cls: string, label: string) =>
    from && to ? `<div class="bar ${cls}" style="left:${pct(from).toFixed(2)}%;width:${Math.max(0.3, pct(to) - pct(from)).toFixed(2)}%" title="${esc(label)}: ${esc(from)} → ${esc(to)}"></div>` : '';
  const steps = (v: DrillVmReport) =>
    bar(v.startedAt, v.recoveredAt, 'recover', 'drill snapshot') + bar(v.recoveredAt, v.healthyAt, 'boot', 'boot and probes') + bar(v.healthyAt, v.finishedAt, 'publish', 'drill-zone record');
  const measure = (name: string, m: DrillReport['rto']) =>
    `<tr><th>${name}</th><td>${m.achievedSeconds === null ? 'not reached' : `${m.achievedSeconds.toFixed(1)} s`}</td><td>${m.targetSeconds} s</td><td class="${m.passed ? 'pass' : 'fail'}">${m.passed ? 'pass' : 'fail'}</td></tr>`;

  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Drill ${esc(r.drillId)} of ${esc(r.tenant)}</title>
<style>
body{font:14px/1.4 system-ui,sans-serif;margin:2em;color:#222}table{border-collapse:collapse;margin:.5em 0 1.5em}td,th{border:1px solid #ccc;padding:.25em .6em;text-align:left;vertical-align:top}
.pass{color:#176f2c;font-weight:bold}.fail{color:#a31515;font-weight:bold}.lane{position:relative;height:14px;background:#f3f3f3;min-width:400px}
.bar{position:absolute;top:2px;height:10px}.recover{background:#3b6fb6}.boot{background:#e0a030}.publish{background:#4a9a5a}
</style></head><body>
<h1>Drill ${esc(r.drillId)}: ${esc(r.tenant)} — <span class="${r.outcome === 'passed' ? 'pass' : 'fail'}">${esc(r.outcome)}</span></h1>
<p>Operation ${esc(r.operationId)}, ${esc(r.drillType)} drill requested by ${esc(r.requestedBy)}; ${esc(r.startedAt)} to ${esc(r.endedAt ?? 'running')}.<br>
Recovery plan ${esc(r.plan.name)} (${esc(r.plan.id)}), revision ${r.plan.revision}; recovery point ${esc(JSON.stringify(r.inputs.recoveryPoint))}.
${r.network ? `<br>Drill network: VLAN ${esc(r.network.vlan)} (${r.network.vlanId}), subnet ${esc(r.network.subnet)}, no route to production.` : ''}
${r.error ? `<br>Findings: ${esc(r.error)}` : ''}</p>
<h2>Objectives</h2>
<table><tr><th></th><th>achieved</th><th>target</th><th></th></tr>${measure('RTO', r.rto)}${measure('RPO', r.rpo)}</table>
<p>RTO: from the drill's first change (${esc(r.recoveryStartedAt ?? '—')}) until every VM answered its probes (${esc(r.allGreenAt ?? '—')}). RPO: the age of the oldest recovery point then.</p>
<h2>Timeline</h2>
<p><span class="bar recover" style="position:static;display:inline-block;width:1em"></span> drill snapshot
<span class="bar boot" style="position:static;display:inline-block;width:1em"></span> boot and probes
<span class="bar publish" style="position:static;display:inline-block;width:1em"></span> drill-zone record</p>
<table><tr><th>VM</th><th>wave</th><th>status</th><th>steps</th></tr>
${r.vms.map((v) => `<tr><td>${esc(v.vm)}<br><small>${esc(v.drillVm)}</small></td><td>${esc(v.wave)}</td><td class="${v.status === 'recovered' ? 'pass' : 'fail'}">${esc(v.status)}${v.reason ? `<br><small>${esc(v.reason)}</small>` : ''}</td><td><div class="lane">${steps(v)}</div></td></tr>`).join('\n')}
</table>
<h2>Per VM: recovery point and probes</h2>
<table><tr><th>VM</th><th>recovery point</th><th>attempts</th><th>probes</th></tr>
${r.vms.map((v) => `<tr><td>${esc(v.drillVm)}</td><td>${esc(v.recoveryPoint ? `${v.recoveryPoint.kind}${v.recoveryPoint.tag ? ` ${v.recoveryPoint.tag}` : ''} at ${v.recoveryPoint.at}` : '—')}</td><td>${v.attempts}</td><td>${v.probes.map((p) => `<span class="${p.passed ? 'pass' : 'fail'}">${p.passed ? '✔' : '✘'}</span> ${esc(p.kind)}${p.port ? ` ${p.port}` : ''}${p.url ? ` ${esc(p.url)}` : ''} <small>${esc(p.at)}: ${esc(p.detail)}</small>`).join('<br>') || '—'}</td></tr>`).join('\n')}
</table>
<h2>Protection (pairs in Differential Sync)</h2>
<table><tr><th>check</th><th>at</th><th>result</th></tr>
${r.protection.map((c) => `<tr><td>${esc(c.label)}</td><td>${esc(c.checkedAt)}</td><td class="${c.inSync ? 'pass' : 'fail'}">${c.inSync ? 'in sync' : esc(c.notInSync.map((p) => `${p.vm}: ${p.state}`).join(', '))}</td></tr>`).join('\n')}
</table>
<h2>Approvals and operator commands</h2>
<table><tr><th>what</th><th>by</th><th>at</th></tr>
${[...r.approvals.map((a) => `<tr><td>approved wave ${esc(a.gate)}</td><td>${esc(a.by)}</td><td>${esc(a.at)}</td></tr>`), ...r.controls.map((c) => `<tr><td>${esc(c.action)}${c.detail ? ` ${esc(c.detail)}` : ''}</td><td>${esc(c.by)}</td><td>${esc(c.at)}</td></tr>`)].join('\n') || '<tr><td colspan="3">none</td></tr>'}
</table>
${r.abortedBy ? `<p class="fail">Aborted by ${esc(r.abortedBy)}.</p>` : ''}
<h2>Clean-up</h2>
<p class="${r.cleanup.status === 'pending' ? 'fail' : 'pass'}">${esc(r.cleanup.status)}${r.cleanup.verifiedAt ? `, verified against the estate at ${esc(r.cleanup.verifiedAt)}` : ''} after ${r.cleanup.attempts} sweep(s).</p>
${r.cleanup.removed ? `<p>Removed: ${esc(Object.entries(r.cleanup.removed).map(([k, n]) => `${n} ${k}`).join(', '))}.</p>` : ''}
${r.cleanup.leftovers.length ? `<p class="fail">Still in the estate: ${esc(r.cleanup.leftovers.join(', '))}</p>` : ''}
<h2>Steps</h2>
<table><tr><th>step</th><th>status</th><th>started</th><th>ms</th></tr>
${r.steps.map((s) => `<tr><td>${esc(s.name)}</td><td>${esc(s.status)}${s.error ? `<br><small>${esc(s.error)}</small>` : ''}</td><td>${esc(s.startedAt)}</td><td>${s.durationMs ?? ''}</td></tr>`).join('\n')}
</table>
</body></html>
`;
}

function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}
