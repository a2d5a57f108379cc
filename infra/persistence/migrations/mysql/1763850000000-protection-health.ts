import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Protection health: each tenant's latest sample, the recent history of samples, and RPO breaches. */
export class ProtectionHealth1763850000000 implements MigrationInterface {
  name = 'ProtectionHealth1763850000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    for (const sql of [
      `CREATE TABLE \`protection_status\` (\`tenantId\` varchar(36) NOT NULL, \`watch\` varchar(16) NOT NULL, \`tenantState\` varchar(32) NOT NULL, \`rpoSeconds\` int NOT NULL, \`sampledAt\` datetime(3) NOT NULL, \`worstVm\` varchar(200) NULL, \`worstLagSeconds\` int NULL, \`vms\` json NOT NULL, \`readiness\` json NOT NULL, \`updatedAt\` datetime(3) NOT NULL, PRIMARY KEY (\`tenantId\`)) ENGINE=InnoDB`,
      `CREATE TABLE \`protection_samples\` (\`id\` varchar(255) NOT NULL, \`tenantId\` varchar(36) NOT NULL, \`sampledAt\` datetime(3) NOT NULL, \`vmCount\` int NOT NULL, \`vmsOverRpo\` int NOT NULL, \`vmsOutOfSync\` int NOT NULL, \`worstVm\` varchar(200) NULL, \`worstLagSeconds\` int NULL, \`readinessProblems\` int NOT NULL, INDEX \`IDX_protection_samples_tenant\` (\`tenantId\`, \`sampledAt\`), PRIMARY KEY (\`id\`)) ENGINE=InnoDB`,
      `CREATE TABLE \`protection_breaches\` (\`id\` varchar(255) NOT NULL, \`tenantId\` varchar(36) NOT NULL, \`vm\` varchar(200) NOT NULL, \`kind\` varchar(16) NOT NULL, \`since\` datetime(3) NOT NULL, \`openedAt\` datetime(3) NOT NULL, \`clearedAt\` datetime(3) NULL, \`peakLagSeconds\` int NULL, \`detail\` varchar(1000) NOT NULL, \`resolution\` varchar(1000) NULL, \`ticket\` varchar(100) NULL, INDEX \`IDX_protection_breaches_tenant\` (\`tenantId\`, \`openedAt\`), PRIMARY KEY (\`id\`)) ENGINE=InnoDB`,
      `ALTER TABLE \`protection_status\` ADD CONSTRAINT \`FK_protection_status_tenant\` FOREIGN KEY (\`tenantId\`) REFERENCES \`tenants\`(\`id\`) ON DELETE RESTRICT ON UPDATE NO ACTION`,
      `ALTER TABLE \`protection_samples\` ADD CONSTRAINT \`FK_protection_samples_tenant\` FOREIGN KEY (\`tenantId\`) REFERENCES \`tenants\`(\`id\`) ON DELETE RESTRICT ON UPDATE NO ACTION`,
      `ALTER TABLE \`protection_breaches\` ADD CONSTRAINT \`FK_protection_breaches_tenant\` FOREIGN KEY (\`tenantId\`) REFERENCES \`tenants\`(\`id\`) ON DELETE RESTRICT ON UPDATE NO ACTION`,
    ]) {
      await queryRunner.query(sql);
    }
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const sql of [
      `ALTER TABLE \`protection_breaches\` DROP FOREIGN KEY \`FK_protection_breaches_tenant\``,
      `ALTER TABLE \`protection_samples\` DROP FOREIGN KEY \`FK_protection_samples_tenant\``,
      `ALTER TABLE \`protection_status\` DROP FOREIGN KEY \`FK_protection_status_tenant\``,
      `DROP TABLE \`protection_breaches\``,
      `DROP TABLE \`protection_samples\``,
      `DROP TABLE \`protection_status\``,
    ]) {
      await queryRunner.query(sql);
    }
  }
}
