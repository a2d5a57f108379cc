import { Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';

/** Search attributes every Lifeline workflow sets, so the Temporal UI lists operations by tenant, kind and site. */
export const LIFELINE_SEARCH_ATTRIBUTES = {
  TenantId: 'Keyword',
  OperationKind: 'Keyword',
  SiteId: 'Keyword',
  RecoveryPlanId: 'Keyword',
} as const;

type AttributeType = (typeof LIFELINE_SEARCH_ATTRIBUTES)[keyof typeof LIFELINE_SEARCH_ATTRIBUTES];

const indexedValueType: Record<AttributeType, temporal.api.enums.v1.IndexedValueType> = {
  Keyword: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
};

/** `temporal server start-dev --search-attribute K=T` arguments for the embedded server. */
export function devServerSearchAttributeArgs(): string[] {
  return Object.entries(LIFELINE_SEARCH_ATTRIBUTES).flatMap(([name, type]) => ['--search-attribute', `${name}=${type}`]);
}

/** Registers the attributes on an existing cluster; ones already present are left alone. */
export async function registerSearchAttributes(connection: Connection, namespace: string): Promise<void> {
  const existing = await connection.operatorService.listSearchAttributes({ namespace });
  const known = new Set(Object.keys(existing.customAttributes ?? {}));
  const missing = Object.entries(LIFELINE_SEARCH_ATTRIBUTES).filter(([name]) => !known.has(name));
  if (missing.length === 0) return;
  await connection.operatorService.addSearchAttributes({
    namespace,
    searchAttributes: Object.fromEntries(missing.map(([name, type]) => [name, indexedValueType[type]])),
  });
}
