import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Shared DR capacity: reservations of running failovers, and what the site's compute last reported. */
export class DrCapacity1763820000000 implements MigrationInterface {
  name = 'DrCapacity1763820000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    for (const sql of [
      `CREATE TABLE \`dr_capacity_reservations\` (\`operationId\` varchar(255) NOT NULL, \`siteId\` varchar(36) NOT NULL, \`tenantId\` varchar(36) NOT NULL, \`vms\` json NOT NULL, \`createdAt\` datetime(3) NOT NULL, INDEX \`IDX_dr_capacity_reservations_site\` (\`siteId\`), PRIMARY KEY (\`operationId\`)) ENGINE=InnoDB`,
      `ALTER TABLE \`sites\` ADD \`computeCapacity\` json NULL`,
      `ALTER TABLE \`sites\` ADD \`computeReportedAt\` datetime(3) NULL`,
    ]) {
      await queryRunner.query(sql);
    }
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE \`sites\` DROP COLUMN \`computeReportedAt\``);
    await queryRunner.query(`ALTER TABLE \`sites\` DROP COLUMN \`computeCapacity\``);
    await queryRunner.query(`DROP TABLE \`dr_capacity_reservations\``);
  }
}
