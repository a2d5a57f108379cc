import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Management fix-up: versioned snapshots of each tenant's management-service metadata. */
export class ManagementMetadata1763790000000 implements MigrationInterface {
  name = 'ManagementMetadata1763790000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    for (const sql of [
      `CREATE TABLE "management_metadata_snapshots" ("id" varchar(36) PRIMARY KEY NOT NULL, "tenantId" varchar(36) NOT NULL, "version" integer NOT NULL, "side" varchar(16) NOT NULL, "reason" varchar(32) NOT NULL, "captureKey" varchar(255) NOT NULL, "capturedAt" datetime(3) NOT NULL, "basedOnVersion" integer, "counts" json NOT NULL, "records" json NOT NULL, "errors" json, "createdAt" datetime(3) NOT NULL, CONSTRAINT "FK_management_metadata_snapshots_tenant" FOREIGN KEY ("tenantId") REFERENCES "tenants" ("id") ON DELETE RESTRICT ON UPDATE NO ACTION)`,
      `CREATE INDEX "IDX_management_metadata_snapshots_tenant_side" ON "management_metadata_snapshots" ("tenantId", "side", "capturedAt")`,
      `CREATE UNIQUE INDEX "UQ_management_metadata_snapshots_capture_key" ON "management_metadata_snapshots" ("captureKey")`,
      `CREATE UNIQUE INDEX "UQ_management_metadata_snapshots_tenant_version" ON "management_metadata_snapshots" ("tenantId", "version")`,
    ]) {
      await queryRunner.query(sql);
    }
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "management_metadata_snapshots"`);
  }
}
