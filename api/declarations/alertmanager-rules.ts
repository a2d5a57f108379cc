import type { AlertmanagerRule } from '../../infra/config';

/** Where an Alertmanager alert points (names as the labels give them) and the source it counts as. */
export interface MappedAlert {
  site?: string;
  tenant?: string;
  source: string;
}

/** The first configured rule whose `match` labels all equal the alert's decides (infra/config/declarations.ts). */
export function mapAlertLabels(rules: AlertmanagerRule[], labels: Record<string, string>): MappedAlert | null {
  for (const rule of rules) {
    if (!Object.entries(rule.match ?? {}).every(([k, v]) => labels[k] === v)) continue;
    const tenant = rule.tenantLabel ? labels[rule.tenantLabel] : undefined;
    const site = (rule.siteLabel ? labels[rule.siteLabel] : undefined) ?? rule.site;
    if (!tenant && !site) continue;
    const source = (rule.sourceLabel ? labels[rule.sourceLabel] : undefined) ?? labels.source ?? labels.job ?? labels.alertname ?? 'alertmanager';
    return { ...(tenant ? { tenant } : { site }), source: `alertmanager:${source}` };
  }
  return null;
}
