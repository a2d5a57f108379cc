import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Shared DR capacity: reservations of running failovers, and what the site's compute last reported. */
export class DrCapacity1763820000000 implements MigrationInterface {
  name = 'DrCapacity1763820000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    for (const sql of [
      `CREATE TABLE "dr_capacity_reservations" ("operationId" varchar(255) PRIMARY KEY NOT NULL, "siteId" varchar(36) NOT NULL, "tenantId" varchar(36) NOT NULL, "vms" json NOT NULL, "createdAt" datetime(3) NOT NULL)`,
      `CREATE INDEX "IDX_dr_capacity_reservations_site" ON "dr_capacity_reservations" ("siteId")`,
      `ALTER TABLE "sites" ADD COLUMN "computeCapacity" json`,
      `ALTER TABLE "sites" ADD COLUMN "computeReportedAt" datetime(3)`,
    ]) {
      await queryRunner.query(sql);
    }
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "sites" DROP COLUMN "computeReportedAt"`);
    await queryRunner.query(`ALTER TABLE "sites" DROP COLUMN "computeCapacity"`);
    await queryRunner.query(`DROP TABLE "dr_capacity_reservations"`);
  }
}
