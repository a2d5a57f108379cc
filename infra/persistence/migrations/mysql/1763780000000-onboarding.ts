import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Onboarding: the tenant's DR container record and the DR sites' approval policy. */
export class Onboarding1763780000000 implements MigrationInterface {
  name = 'Onboarding1763780000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    for (const sql of [
      `CREATE TABLE \`dr_containers\` (\`tenantId\` varchar(36) NOT NULL, \`name\` varchar(200) NOT NULL, \`clmGuid\` varchar(64) NOT NULL, \`tier\` varchar(16) NOT NULL, \`drSiteId\` varchar(36) NOT NULL, \`state\` varchar(32) NOT NULL, \`vlans\` json NOT NULL, \`asaContext\` varchar(64) NULL, \`tunnel\` json NULL, \`networkPaths\` json NOT NULL, \`vips\` json NOT NULL, \`managementIps\` json NOT NULL, \`controlPlane\` json NULL, \`operationId\` varchar(255) NOT NULL, \`createdAt\` datetime(3) NOT NULL, \`updatedAt\` datetime(3) NOT NULL, PRIMARY KEY (\`tenantId\`)) ENGINE=InnoDB`,
      `CREATE TABLE \`dr_site_policies\` (\`siteId\` varchar(36) NOT NULL, \`autoApproveContainers\` tinyint NOT NULL DEFAULT 0, \`approvalReminderSeconds\` int NOT NULL, \`approvalEscalationSeconds\` int NOT NULL, \`updatedAt\` datetime(3) NOT NULL, PRIMARY KEY (\`siteId\`)) ENGINE=InnoDB`,
      `ALTER TABLE \`dr_containers\` ADD CONSTRAINT \`FK_dr_containers_tenant\` FOREIGN KEY (\`tenantId\`) REFERENCES \`tenants\`(\`id\`) ON DELETE RESTRICT ON UPDATE NO ACTION`,
      `ALTER TABLE \`dr_site_policies\` ADD CONSTRAINT \`FK_dr_site_policies_site\` FOREIGN KEY (\`siteId\`) REFERENCES \`sites\`(\`id\`) ON DELETE RESTRICT ON UPDATE NO ACTION`,
    ]) {
      await queryRunner.query(sql);
    }
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE \`dr_site_policies\``);
    await queryRunner.query(`DROP TABLE \`dr_containers\``);
  }
}
