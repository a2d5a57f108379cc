import { Initial1763770000000 } from './1763770000000-initial';
import { Onboarding1763780000000 } from './1763780000000-onboarding';
import { ManagementMetadata1763790000000 } from './1763790000000-management-metadata';
import { FixupRuns1763800000000 } from './1763800000000-fixup-runs';
import { TenantClaim1763810000000 } from './1763810000000-tenant-claim';
import { DrCapacity1763820000000 } from './1763820000000-dr-capacity';
import { ProtectionHealth1763850000000 } from './1763850000000-protection-health';
import { DeclarationPolicies1763860000000 } from './1763860000000-declaration-policies';

/** In order; a new migration is appended, never edited once released. */
export const MYSQL_MIGRATIONS = [
  Initial1763770000000, Onboarding1763780000000, ManagementMetadata1763790000000, FixupRuns1763800000000, TenantClaim1763810000000,
  DrCapacity1763820000000, ProtectionHealth1763850000000, DeclarationPolicies1763860000000,
];
