import { readFileSync } from 'node:fs';

/**
 * Maps an Alertmanager alert to a declaration's scope: the first rule whose `match` labels all equal the
 * alert's applies. The tenant (by name) comes from `tenantLabel` when the alert carries it, else the site
 * (by name) from `siteLabel` or the fixed `site`. The corroborating source is `alertmanager:<sourceLabel>`
 * (default label `source`, then `job`, then the alert's name).
 */
export interface AlertmanagerRule {
  match?: Record<string, string>;
  siteLabel?: string;
  site?: string;
  tenantLabel?: string;
  sourceLabel?: string;
}

export interface DeclarationConfig {
  /** Each trigger source's HMAC-SHA256 secret for signed webhooks. */
  webhookSecrets: Record<string, string>;
  alertmanagerRules: AlertmanagerRule[];
}

export const NO_DECLARATION_CONFIG: DeclarationConfig = { webhookSecrets: {}, alertmanagerRules: [] };

/** Reads and checks the DECLARATION_CONFIG file; the problems name the key. */
export function readDeclarationConfig(file: string): { config?: DeclarationConfig; problems: string[] } {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    return { problems: [`DECLARATION_CONFIG ${file} cannot be read as JSON: ${err instanceof Error ? err.message : String(err)}`] };
  }
  const problems = declarationConfigProblems(raw);
  return problems.length > 0 ? { problems } : { config: { ...NO_DECLARATION_CONFIG, ...(raw as Partial<DeclarationConfig>) }, problems };
}

export function declarationConfigProblems(raw: unknown): string[] {
  if (typeof raw !== 'object' || raw === null) return ['DECLARATION_CONFIG must hold a JSON object'];
  const c = raw as Record<string, unknown>;
  const problems: string[] = [];
  const secrets = c.webhookSecrets ?? {};
  if (typeof secrets !== 'object' || secrets === null || Array.isArray(secrets)) problems.push('DECLARATION_CONFIG.webhookSecrets must be an object of source → secret');
  else {
    for (const [source, secret] of Object.entries(secrets)) {
      if (typeof secret !== 'string' || secret.length < 16) problems.push(`DECLARATION_CONFIG.webhookSecrets.${source} must be a string of at least 16 characters`);
    }
  }
  const rules = c.alertmanagerRules ?? [];
  if (!Array.isArray(rules)) problems.push('DECLARATION_CONFIG.alertmanagerRules must be an array');
  else {
    rules.forEach((r: Record<string, unknown>, i) => {
      if (typeof r !== 'object' || r === null) return problems.push(`DECLARATION_CONFIG.alertmanagerRules[${i}] must be an object`);
      if (!r.siteLabel && !r.site && !r.tenantLabel) problems.push(`DECLARATION_CONFIG.alertmanagerRules[${i}] needs siteLabel, site or tenantLabel`);
      return undefined;
    });
  }
  return problems;
}
