import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Management fix-up: the identities of each run, stored once and passed to the per-service activities by key. */
export class FixupRuns1763800000000 implements MigrationInterface {
  name = 'FixupRuns1763800000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    for (const sql of [
      `CREATE TABLE \`fixup_runs\` (\`id\` varchar(255) NOT NULL, \`tenantId\` varchar(36) NOT NULL, \`direction\` varchar(16) NOT NULL, \`vmCount\` int NOT NULL, \`identities\` json NOT NULL, \`createdAt\` datetime(3) NOT NULL, INDEX \`IDX_fixup_runs_tenant\` (\`tenantId\`, \`createdAt\`), PRIMARY KEY (\`id\`)) ENGINE=InnoDB`,
      `ALTER TABLE \`fixup_runs\` ADD CONSTRAINT \`FK_fixup_runs_tenant\` FOREIGN KEY (\`tenantId\`) REFERENCES \`tenants\`(\`id\`) ON DELETE RESTRICT ON UPDATE NO ACTION`,
    ]) {
      await queryRunner.query(sql);
    }
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE \`fixup_runs\` DROP FOREIGN KEY \`FK_fixup_runs_tenant\``);
    await queryRunner.query(`DROP TABLE \`fixup_runs\``);
  }
}
