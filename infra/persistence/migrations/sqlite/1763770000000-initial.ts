import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The inventory schema (SQLite): foreign keys inline, as SQLite cannot add them later. */
export class Initial1763770000000 implements MigrationInterface {
  name = 'Initial1763770000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    for (const sql of [
      `CREATE TABLE "sites" ("id" varchar(36) PRIMARY KEY NOT NULL, "name" varchar(200) NOT NULL, "kind" varchar(16) NOT NULL, "location" varchar(200), "capacityVcpu" integer NOT NULL, "capacityMemoryMb" integer NOT NULL, "capacityStorageGb" integer NOT NULL, "capacityMasterTargetSlots" integer NOT NULL, "createdAt" datetime(3) NOT NULL, "updatedAt" datetime(3) NOT NULL)`,
      `CREATE UNIQUE INDEX "UQ_sites_name" ON "sites" ("name")`,
      `CREATE TABLE "tenants" ("id" varchar(36) PRIMARY KEY NOT NULL, "name" varchar(200) NOT NULL, "tier" varchar(16) NOT NULL, "rpoMinutes" integer NOT NULL, "rtoMinutes" integer NOT NULL, "primarySiteId" varchar(36) NOT NULL, "drSiteId" varchar(36) NOT NULL, "state" varchar(32) NOT NULL, "createdAt" datetime(3) NOT NULL, "updatedAt" datetime(3) NOT NULL, CONSTRAINT "FK_tenants_primary_site" FOREIGN KEY ("primarySiteId") REFERENCES "sites" ("id") ON DELETE RESTRICT ON UPDATE NO ACTION, CONSTRAINT "FK_tenants_dr_site" FOREIGN KEY ("drSiteId") REFERENCES "sites" ("id") ON DELETE RESTRICT ON UPDATE NO ACTION)`,
      `CREATE UNIQUE INDEX "UQ_tenants_name" ON "tenants" ("name")`,
      `CREATE TABLE "api_tokens" ("id" varchar(36) PRIMARY KEY NOT NULL, "name" varchar(200) NOT NULL, "tokenHash" varchar(64) NOT NULL, "role" varchar(32) NOT NULL, "tenantId" varchar(36), "createdAt" datetime(3) NOT NULL, "revokedAt" datetime(3), CONSTRAINT "FK_api_tokens_tenant" FOREIGN KEY ("tenantId") REFERENCES "tenants" ("id") ON DELETE RESTRICT ON UPDATE NO ACTION)`,
      `CREATE UNIQUE INDEX "UQ_api_tokens_hash" ON "api_tokens" ("tokenHash")`,
      `CREATE TABLE "audit_events" ("id" integer PRIMARY KEY AUTOINCREMENT NOT NULL, "actorTokenId" varchar(36) NOT NULL, "actorName" varchar(200) NOT NULL, "actorRole" varchar(32) NOT NULL, "action" varchar(64) NOT NULL, "resourceType" varchar(64) NOT NULL, "resourceId" varchar(255) NOT NULL, "tenantId" varchar(36), "at" datetime(3) NOT NULL, "details" json)`,
      `CREATE INDEX "IDX_audit_events_at" ON "audit_events" ("at")`,
      `CREATE INDEX "IDX_audit_events_tenant_at" ON "audit_events" ("tenantId", "at")`,
      `CREATE TABLE "protected_vms" ("id" varchar(36) PRIMARY KEY NOT NULL, "tenantId" varchar(36) NOT NULL, "name" varchar(200) NOT NULL, "role" varchar(16) NOT NULL, "os" varchar(100) NOT NULL, "vcpu" integer NOT NULL, "memoryMb" integer NOT NULL, "disks" json NOT NULL, "primaryHostname" varchar(255) NOT NULL, "primaryIps" json NOT NULL, "drHostname" varchar(255), "drIps" json, "replicationState" varchar(32) NOT NULL, "rpoLagSeconds" integer, "recoveryPriority" integer NOT NULL, "masterTarget" varchar(200), "critical" boolean NOT NULL DEFAULT (0), "probes" json, "createdAt" datetime(3) NOT NULL, "updatedAt" datetime(3) NOT NULL, CONSTRAINT "FK_protected_vms_tenant" FOREIGN KEY ("tenantId") REFERENCES "tenants" ("id") ON DELETE RESTRICT ON UPDATE NO ACTION)`,
      `CREATE UNIQUE INDEX "UQ_protected_vms_tenant_name" ON "protected_vms" ("tenantId", "name")`,
      `CREATE TABLE "ip_subnet_mappings" ("id" varchar(36) PRIMARY KEY NOT NULL, "tenantId" varchar(36) NOT NULL, "primaryCidr" varchar(64) NOT NULL, "drCidr" varchar(64) NOT NULL, "createdAt" datetime(3) NOT NULL, CONSTRAINT "FK_ip_subnet_mappings_tenant" FOREIGN KEY ("tenantId") REFERENCES "tenants" ("id") ON DELETE RESTRICT ON UPDATE NO ACTION)`,
      `CREATE UNIQUE INDEX "UQ_ip_subnet_mappings_tenant_dr" ON "ip_subnet_mappings" ("tenantId", "drCidr")`,
      `CREATE UNIQUE INDEX "UQ_ip_subnet_mappings_tenant_primary" ON "ip_subnet_mappings" ("tenantId", "primaryCidr")`,
      `CREATE TABLE "ip_vm_overrides" ("id" varchar(36) PRIMARY KEY NOT NULL, "tenantId" varchar(36) NOT NULL, "vmId" varchar(36) NOT NULL, "primaryIp" varchar(64) NOT NULL, "drIp" varchar(64) NOT NULL, "createdAt" datetime(3) NOT NULL, CONSTRAINT "FK_ip_vm_overrides_tenant" FOREIGN KEY ("tenantId") REFERENCES "tenants" ("id") ON DELETE RESTRICT ON UPDATE NO ACTION, CONSTRAINT "FK_ip_vm_overrides_vm" FOREIGN KEY ("vmId") REFERENCES "protected_vms" ("id") ON DELETE RESTRICT ON UPDATE NO ACTION)`,
      `CREATE UNIQUE INDEX "UQ_ip_vm_overrides_tenant_dr" ON "ip_vm_overrides" ("tenantId", "drIp")`,
      `CREATE UNIQUE INDEX "UQ_ip_vm_overrides_vm_primary" ON "ip_vm_overrides" ("vmId", "primaryIp")`,
      `CREATE TABLE "management_services" ("id" varchar(36) PRIMARY KEY NOT NULL, "tenantId" varchar(36), "ownerKey" varchar(36) NOT NULL, "scope" varchar(16) NOT NULL, "kind" varchar(32) NOT NULL, "name" varchar(200) NOT NULL, "primaryEndpoint" varchar(500) NOT NULL, "drEndpoint" varchar(500), "restorePriority" integer NOT NULL, "metadata" json, "createdAt" datetime(3) NOT NULL, "updatedAt" datetime(3) NOT NULL, CONSTRAINT "FK_management_services_tenant" FOREIGN KEY ("tenantId") REFERENCES "tenants" ("id") ON DELETE RESTRICT ON UPDATE NO ACTION)`,
      `CREATE INDEX "IDX_management_services_tenant" ON "management_services" ("tenantId")`,
      `CREATE UNIQUE INDEX "UQ_management_services_owner_name" ON "management_services" ("ownerKey", "name")`,
      `CREATE TABLE "operations" ("id" varchar(255) PRIMARY KEY NOT NULL, "kind" varchar(32) NOT NULL, "tenantId" varchar(36), "requestId" varchar(200), "requestedBy" varchar(200) NOT NULL, "status" varchar(16) NOT NULL, "startedAt" datetime(3) NOT NULL, "closedAt" datetime(3), "progress" json, "steps" json, "error" text, "result" json, "updatedAt" datetime(3) NOT NULL, CONSTRAINT "FK_operations_tenant" FOREIGN KEY ("tenantId") REFERENCES "tenants" ("id") ON DELETE RESTRICT ON UPDATE NO ACTION)`,
      `CREATE INDEX "IDX_operations_started_at" ON "operations" ("startedAt")`,
      `CREATE INDEX "IDX_operations_tenant_status" ON "operations" ("tenantId", "status")`,
      `CREATE UNIQUE INDEX "UQ_operations_kind_tenant_request" ON "operations" ("kind", "tenantId", "requestId")`,
      `CREATE TABLE "recovery_plans" ("id" varchar(36) PRIMARY KEY NOT NULL, "tenantId" varchar(36) NOT NULL, "name" varchar(200) NOT NULL, "revision" integer NOT NULL, "capPerMasterTarget" integer, "capPerSite" integer, "createdAt" datetime(3) NOT NULL, "updatedAt" datetime(3) NOT NULL, CONSTRAINT "FK_recovery_plans_tenant" FOREIGN KEY ("tenantId") REFERENCES "tenants" ("id") ON DELETE RESTRICT ON UPDATE NO ACTION)`,
      `CREATE UNIQUE INDEX "UQ_recovery_plans_tenant_name" ON "recovery_plans" ("tenantId", "name")`,
      `CREATE TABLE "recovery_plan_groups" ("id" varchar(36) PRIMARY KEY NOT NULL, "planId" varchar(36) NOT NULL, "position" integer NOT NULL, "name" varchar(200) NOT NULL, "maxConcurrency" integer, "approvalRequired" boolean NOT NULL DEFAULT (0), CONSTRAINT "FK_recovery_plan_groups_plan" FOREIGN KEY ("planId") REFERENCES "recovery_plans" ("id") ON DELETE CASCADE ON UPDATE NO ACTION)`,
      `CREATE UNIQUE INDEX "UQ_recovery_plan_groups_plan_name" ON "recovery_plan_groups" ("planId", "name")`,
      `CREATE UNIQUE INDEX "UQ_recovery_plan_groups_plan_position" ON "recovery_plan_groups" ("planId", "position")`,
      `CREATE TABLE "recovery_plan_members" ("planId" varchar(36) NOT NULL, "vmId" varchar(36) NOT NULL, "groupId" varchar(36) NOT NULL, "position" integer NOT NULL, CONSTRAINT "FK_recovery_plan_members_plan" FOREIGN KEY ("planId") REFERENCES "recovery_plans" ("id") ON DELETE CASCADE ON UPDATE NO ACTION, CONSTRAINT "FK_recovery_plan_members_group" FOREIGN KEY ("groupId") REFERENCES "recovery_plan_groups" ("id") ON DELETE CASCADE ON UPDATE NO ACTION, CONSTRAINT "FK_recovery_plan_members_vm" FOREIGN KEY ("vmId") REFERENCES "protected_vms" ("id") ON DELETE RESTRICT ON UPDATE NO ACTION, PRIMARY KEY ("planId", "vmId"))`,
      `CREATE INDEX "IDX_recovery_plan_members_group" ON "recovery_plan_members" ("groupId", "position")`,
      `CREATE TABLE "recovery_plan_dependencies" ("planId" varchar(36) NOT NULL, "vmId" varchar(36) NOT NULL, "dependsOnVmId" varchar(36) NOT NULL, "position" integer NOT NULL, CONSTRAINT "FK_recovery_plan_dependencies_plan" FOREIGN KEY ("planId") REFERENCES "recovery_plans" ("id") ON DELETE CASCADE ON UPDATE NO ACTION, CONSTRAINT "FK_recovery_plan_dependencies_vm" FOREIGN KEY ("vmId") REFERENCES "protected_vms" ("id") ON DELETE RESTRICT ON UPDATE NO ACTION, CONSTRAINT "FK_recovery_plan_dependencies_depends_on" FOREIGN KEY ("dependsOnVmId") REFERENCES "protected_vms" ("id") ON DELETE RESTRICT ON UPDATE NO ACTION, PRIMARY KEY ("planId", "vmId", "dependsOnVmId"))`,
      `CREATE INDEX "IDX_recovery_plan_dependencies_depends_on" ON "recovery_plan_dependencies" ("dependsOnVmId")`,
    ]) {
      await queryRunner.query(sql);
    }
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const sql of [
      `DROP TABLE "recovery_plan_dependencies"`,
      `DROP TABLE "recovery_plan_members"`,
      `DROP TABLE "recovery_plan_groups"`,
      `DROP TABLE "recovery_plans"`,
      `DROP TABLE "operations"`,
      `DROP TABLE "management_services"`,
      `DROP TABLE "ip_vm_overrides"`,
      `DROP TABLE "ip_subnet_mappings"`,
      `DROP TABLE "protected_vms"`,
      `DROP TABLE "audit_events"`,
      `DROP TABLE "api_tokens"`,
      `DROP TABLE "tenants"`,
      `DROP TABLE "sites"`,
    ]) {
      await queryRunner.query(sql);
    }
  }
}
