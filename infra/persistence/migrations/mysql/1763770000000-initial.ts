import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The inventory schema: sites, tenants, protected VMs, recovery plans, IP mappings, management services, operations, audit events, API tokens. */
export class Initial1763770000000 implements MigrationInterface {
  name = 'Initial1763770000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    for (const sql of [
      `CREATE TABLE \`sites\` (\`id\` varchar(36) NOT NULL, \`name\` varchar(200) NOT NULL, \`kind\` varchar(16) NOT NULL, \`location\` varchar(200) NULL, \`capacityVcpu\` int NOT NULL, \`capacityMemoryMb\` int NOT NULL, \`capacityStorageGb\` int NOT NULL, \`capacityMasterTargetSlots\` int NOT NULL, \`createdAt\` datetime(3) NOT NULL, \`updatedAt\` datetime(3) NOT NULL, UNIQUE INDEX \`UQ_sites_name\` (\`name\`), PRIMARY KEY (\`id\`)) ENGINE=InnoDB`,
      `CREATE TABLE \`tenants\` (\`id\` varchar(36) NOT NULL, \`name\` varchar(200) NOT NULL, \`tier\` varchar(16) NOT NULL, \`rpoMinutes\` int NOT NULL, \`rtoMinutes\` int NOT NULL, \`primarySiteId\` varchar(36) NOT NULL, \`drSiteId\` varchar(36) NOT NULL, \`state\` varchar(32) NOT NULL, \`createdAt\` datetime(3) NOT NULL, \`updatedAt\` datetime(3) NOT NULL, UNIQUE INDEX \`UQ_tenants_name\` (\`name\`), PRIMARY KEY (\`id\`)) ENGINE=InnoDB`,
      `CREATE TABLE \`api_tokens\` (\`id\` varchar(36) NOT NULL, \`name\` varchar(200) NOT NULL, \`tokenHash\` varchar(64) NOT NULL, \`role\` varchar(32) NOT NULL, \`tenantId\` varchar(36) NULL, \`createdAt\` datetime(3) NOT NULL, \`revokedAt\` datetime(3) NULL, UNIQUE INDEX \`UQ_api_tokens_hash\` (\`tokenHash\`), PRIMARY KEY (\`id\`)) ENGINE=InnoDB`,
      `CREATE TABLE \`audit_events\` (\`id\` int NOT NULL AUTO_INCREMENT, \`actorTokenId\` varchar(36) NOT NULL, \`actorName\` varchar(200) NOT NULL, \`actorRole\` varchar(32) NOT NULL, \`action\` varchar(64) NOT NULL, \`resourceType\` varchar(64) NOT NULL, \`resourceId\` varchar(255) NOT NULL, \`tenantId\` varchar(36) NULL, \`at\` datetime(3) NOT NULL, \`details\` json NULL, INDEX \`IDX_audit_events_at\` (\`at\`), INDEX \`IDX_audit_events_tenant_at\` (\`tenantId\`, \`at\`), PRIMARY KEY (\`id\`)) ENGINE=InnoDB`,
      `CREATE TABLE \`protected_vms\` (\`id\` varchar(36) NOT NULL, \`tenantId\` varchar(36) NOT NULL, \`name\` varchar(200) NOT NULL, \`role\` varchar(16) NOT NULL, \`os\` varchar(100) NOT NULL, \`vcpu\` int NOT NULL, \`memoryMb\` int NOT NULL, \`disks\` json NOT NULL, \`primaryHostname\` varchar(255) NOT NULL, \`primaryIps\` json NOT NULL, \`drHostname\` varchar(255) NULL, \`drIps\` json NULL, \`replicationState\` varchar(32) NOT NULL, \`rpoLagSeconds\` int NULL, \`recoveryPriority\` int NOT NULL, \`masterTarget\` varchar(200) NULL, \`critical\` tinyint NOT NULL DEFAULT 0, \`probes\` json NULL, \`createdAt\` datetime(3) NOT NULL, \`updatedAt\` datetime(3) NOT NULL, UNIQUE INDEX \`UQ_protected_vms_tenant_name\` (\`tenantId\`, \`name\`), PRIMARY KEY (\`id\`)) ENGINE=InnoDB`,
      `CREATE TABLE \`ip_subnet_mappings\` (\`id\` varchar(36) NOT NULL, \`tenantId\` varchar(36) NOT NULL, \`primaryCidr\` varchar(64) NOT NULL, \`drCidr\` varchar(64) NOT NULL, \`createdAt\` datetime(3) NOT NULL, UNIQUE INDEX \`UQ_ip_subnet_mappings_tenant_dr\` (\`tenantId\`, \`drCidr\`), UNIQUE INDEX \`UQ_ip_subnet_mappings_tenant_primary\` (\`tenantId\`, \`primaryCidr\`), PRIMARY KEY (\`id\`)) ENGINE=InnoDB`,
      `CREATE TABLE \`ip_vm_overrides\` (\`id\` varchar(36) NOT NULL, \`tenantId\` varchar(36) NOT NULL, \`vmId\` varchar(36) NOT NULL, \`primaryIp\` varchar(64) NOT NULL, \`drIp\` varchar(64) NOT NULL, \`createdAt\` datetime(3) NOT NULL, UNIQUE INDEX \`UQ_ip_vm_overrides_tenant_dr\` (\`tenantId\`, \`drIp\`), UNIQUE INDEX \`UQ_ip_vm_overrides_vm_primary\` (\`vmId\`, \`primaryIp\`), PRIMARY KEY (\`id\`)) ENGINE=InnoDB`,
      `CREATE TABLE \`management_services\` (\`id\` varchar(36) NOT NULL, \`tenantId\` varchar(36) NULL, \`ownerKey\` varchar(36) NOT NULL, \`scope\` varchar(16) NOT NULL, \`kind\` varchar(32) NOT NULL, \`name\` varchar(200) NOT NULL, \`primaryEndpoint\` varchar(500) NOT NULL, \`drEndpoint\` varchar(500) NULL, \`restorePriority\` int NOT NULL, \`metadata\` json NULL, \`createdAt\` datetime(3) NOT NULL, \`updatedAt\` datetime(3) NOT NULL, INDEX \`IDX_management_services_tenant\` (\`tenantId\`), UNIQUE INDEX \`UQ_management_services_owner_name\` (\`ownerKey\`, \`name\`), PRIMARY KEY (\`id\`)) ENGINE=InnoDB`,
      `CREATE TABLE \`operations\` (\`id\` varchar(255) NOT NULL, \`kind\` varchar(32) NOT NULL, \`tenantId\` varchar(36) NULL, \`requestId\` varchar(200) NULL, \`requestedBy\` varchar(200) NOT NULL, \`status\` varchar(16) NOT NULL, \`startedAt\` datetime(3) NOT NULL, \`closedAt\` datetime(3) NULL, \`progress\` json NULL, \`steps\` json NULL, \`error\` text NULL, \`result\` json NULL, \`updatedAt\` datetime(3) NOT NULL, INDEX \`IDX_operations_started_at\` (\`startedAt\`), INDEX \`IDX_operations_tenant_status\` (\`tenantId\`, \`status\`), UNIQUE INDEX \`UQ_operations_kind_tenant_request\` (\`kind\`, \`tenantId\`, \`requestId\`), PRIMARY KEY (\`id\`)) ENGINE=InnoDB`,
      `CREATE TABLE \`recovery_plans\` (\`id\` varchar(36) NOT NULL, \`tenantId\` varchar(36) NOT NULL, \`name\` varchar(200) NOT NULL, \`revision\` int NOT NULL, \`capPerMasterTarget\` int NULL, \`capPerSite\` int NULL, \`createdAt\` datetime(3) NOT NULL, \`updatedAt\` datetime(3) NOT NULL, UNIQUE INDEX \`UQ_recovery_plans_tenant_name\` (\`tenantId\`, \`name\`), PRIMARY KEY (\`id\`)) ENGINE=InnoDB`,
      `CREATE TABLE \`recovery_plan_groups\` (\`id\` varchar(36) NOT NULL, \`planId\` varchar(36) NOT NULL, \`position\` int NOT NULL, \`name\` varchar(200) NOT NULL, \`maxConcurrency\` int NULL, \`approvalRequired\` tinyint NOT NULL DEFAULT 0, UNIQUE INDEX \`UQ_recovery_plan_groups_plan_name\` (\`planId\`, \`name\`), UNIQUE INDEX \`UQ_recovery_plan_groups_plan_position\` (\`planId\`, \`position\`), PRIMARY KEY (\`id\`)) ENGINE=InnoDB`,
      `CREATE TABLE \`recovery_plan_members\` (\`planId\` varchar(36) NOT NULL, \`vmId\` varchar(36) NOT NULL, \`groupId\` varchar(36) NOT NULL, \`position\` int NOT NULL, INDEX \`IDX_recovery_plan_members_group\` (\`groupId\`, \`position\`), PRIMARY KEY (\`planId\`, \`vmId\`)) ENGINE=InnoDB`,
      `CREATE TABLE \`recovery_plan_dependencies\` (\`planId\` varchar(36) NOT NULL, \`vmId\` varchar(36) NOT NULL, \`dependsOnVmId\` varchar(36) NOT NULL, \`position\` int NOT NULL, INDEX \`IDX_recovery_plan_dependencies_depends_on\` (\`dependsOnVmId\`), PRIMARY KEY (\`planId\`, \`vmId\`, \`dependsOnVmId\`)) ENGINE=InnoDB`,
      `ALTER TABLE \`tenants\` ADD CONSTRAINT \`FK_tenants_primary_site\` FOREIGN KEY (\`primarySiteId\`) REFERENCES \`sites\`(\`id\`) ON DELETE RESTRICT ON UPDATE NO ACTION`,
      `ALTER TABLE \`tenants\` ADD CONSTRAINT \`FK_tenants_dr_site\` FOREIGN KEY (\`drSiteId\`) REFERENCES \`sites\`(\`id\`) ON DELETE RESTRICT ON UPDATE NO ACTION`,
      `ALTER TABLE \`api_tokens\` ADD CONSTRAINT \`FK_api_tokens_tenant\` FOREIGN KEY (\`tenantId\`) REFERENCES \`tenants\`(\`id\`) ON DELETE RESTRICT ON UPDATE NO ACTION`,
      `ALTER TABLE \`protected_vms\` ADD CONSTRAINT \`FK_protected_vms_tenant\` FOREIGN KEY (\`tenantId\`) REFERENCES \`tenants\`(\`id\`) ON DELETE RESTRICT ON UPDATE NO ACTION`,
      `ALTER TABLE \`ip_subnet_mappings\` ADD CONSTRAINT \`FK_ip_subnet_mappings_tenant\` FOREIGN KEY (\`tenantId\`) REFERENCES \`tenants\`(\`id\`) ON DELETE RESTRICT ON UPDATE NO ACTION`,
      `ALTER TABLE \`ip_vm_overrides\` ADD CONSTRAINT \`FK_ip_vm_overrides_tenant\` FOREIGN KEY (\`tenantId\`) REFERENCES \`tenants\`(\`id\`) ON DELETE RESTRICT ON UPDATE NO ACTION`,
      `ALTER TABLE \`ip_vm_overrides\` ADD CONSTRAINT \`FK_ip_vm_overrides_vm\` FOREIGN KEY (\`vmId\`) REFERENCES \`protected_vms\`(\`id\`) ON DELETE RESTRICT ON UPDATE NO ACTION`,
      `ALTER TABLE \`management_services\` ADD CONSTRAINT \`FK_management_services_tenant\` FOREIGN KEY (\`tenantId\`) REFERENCES \`tenants\`(\`id\`) ON DELETE RESTRICT ON UPDATE NO ACTION`,
      `ALTER TABLE \`operations\` ADD CONSTRAINT \`FK_operations_tenant\` FOREIGN KEY (\`tenantId\`) REFERENCES \`tenants\`(\`id\`) ON DELETE RESTRICT ON UPDATE NO ACTION`,
      `ALTER TABLE \`recovery_plans\` ADD CONSTRAINT \`FK_recovery_plans_tenant\` FOREIGN KEY (\`tenantId\`) REFERENCES \`tenants\`(\`id\`) ON DELETE RESTRICT ON UPDATE NO ACTION`,
      `ALTER TABLE \`recovery_plan_groups\` ADD CONSTRAINT \`FK_recovery_plan_groups_plan\` FOREIGN KEY (\`planId\`) REFERENCES \`recovery_plans\`(\`id\`) ON DELETE CASCADE ON UPDATE NO ACTION`,
      `ALTER TABLE \`recovery_plan_members\` ADD CONSTRAINT \`FK_recovery_plan_members_plan\` FOREIGN KEY (\`planId\`) REFERENCES \`recovery_plans\`(\`id\`) ON DELETE CASCADE ON UPDATE NO ACTION`,
      `ALTER TABLE \`recovery_plan_members\` ADD CONSTRAINT \`FK_recovery_plan_members_group\` FOREIGN KEY (\`groupId\`) REFERENCES \`recovery_plan_groups\`(\`id\`) ON DELETE CASCADE ON UPDATE NO ACTION`,
      `ALTER TABLE \`recovery_plan_members\` ADD CONSTRAINT \`FK_recovery_plan_members_vm\` FOREIGN KEY (\`vmId\`) REFERENCES \`protected_vms\`(\`id\`) ON DELETE RESTRICT ON UPDATE NO ACTION`,
      `ALTER TABLE \`recovery_plan_dependencies\` ADD CONSTRAINT \`FK_recovery_plan_dependencies_plan\` FOREIGN KEY (\`planId\`) REFERENCES \`recovery_plans\`(\`id\`) ON DELETE CASCADE ON UPDATE NO ACTION`,
      `ALTER TABLE \`recovery_plan_dependencies\` ADD CONSTRAINT \`FK_recovery_plan_dependencies_vm\` FOREIGN KEY (\`vmId\`) REFERENCES \`protected_vms\`(\`id\`) ON DELETE RESTRICT ON UPDATE NO ACTION`,
      `ALTER TABLE \`recovery_plan_dependencies\` ADD CONSTRAINT \`FK_recovery_plan_dependencies_depends_on\` FOREIGN KEY (\`dependsOnVmId\`) REFERENCES \`protected_vms\`(\`id\`) ON DELETE RESTRICT ON UPDATE NO ACTION`,
    ]) {
      await queryRunner.query(sql);
    }
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    // Foreign keys go with their tables; dropping children first keeps every step valid.
    for (const sql of [
      `DROP TABLE \`recovery_plan_dependencies\``,
      `DROP TABLE \`recovery_plan_members\``,
      `DROP TABLE \`recovery_plan_groups\``,
      `DROP TABLE \`recovery_plans\``,
      `DROP TABLE \`operations\``,
      `DROP TABLE \`management_services\``,
      `DROP TABLE \`ip_vm_overrides\``,
      `DROP TABLE \`ip_subnet_mappings\``,
      `DROP TABLE \`protected_vms\``,
      `DROP TABLE \`audit_events\``,
      `DROP TABLE \`api_tokens\``,
      `DROP TABLE \`tenants\``,
      `DROP TABLE \`sites\``,
    ]) {
      await queryRunner.query(sql);
    }
  }
}
