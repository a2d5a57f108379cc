import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Protection health: each tenant's latest sample, the recent history of samples, and RPO breaches. */
export class ProtectionHealth1763850000000 implements MigrationInterface {
  name = 'ProtectionHealth1763850000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    for (const sql of [
      `CREATE TABLE "protection_status" ("tenantId" varchar(36) PRIMARY KEY NOT NULL, "watch" varchar(16) NOT NULL, "tenantState" varchar(32) NOT NULL, "rpoSeconds" integer NOT NULL, "sampledAt" datetime(3) NOT NULL, "worstVm" varchar(200), "worstLagSeconds" integer, "vms" json NOT NULL, "readiness" json NOT NULL, "updatedAt" datetime(3) NOT NULL, CONSTRAINT "FK_protection_status_tenant" FOREIGN KEY ("tenantId") REFERENCES "tenants" ("id") ON DELETE RESTRICT ON UPDATE NO ACTION)`,
      `CREATE TABLE "protection_samples" ("id" varchar(255) PRIMARY KEY NOT NULL, "tenantId" varchar(36) NOT NULL, "sampledAt" datetime(3) NOT NULL, "vmCount" integer NOT NULL, "vmsOverRpo" integer NOT NULL, "vmsOutOfSync" integer NOT NULL, "worstVm" varchar(200), "worstLagSeconds" integer, "readinessProblems" integer NOT NULL, CONSTRAINT "FK_protection_samples_tenant" FOREIGN KEY ("tenantId") REFERENCES "tenants" ("id") ON DELETE RESTRICT ON UPDATE NO ACTION)`,
      `CREATE INDEX "IDX_protection_samples_tenant" ON "protection_samples" ("tenantId", "sampledAt")`,
      `CREATE TABLE "protection_breaches" ("id" varchar(255) PRIMARY KEY NOT NULL, "tenantId" varchar(36) NOT NULL, "vm" varchar(200) NOT NULL, "kind" varchar(16) NOT NULL, "since" datetime(3) NOT NULL, "openedAt" datetime(3) NOT NULL, "clearedAt" datetime(3), "peakLagSeconds" integer, "detail" varchar(1000) NOT NULL, "resolution" varchar(1000), "ticket" varchar(100), CONSTRAINT "FK_protection_breaches_tenant" FOREIGN KEY ("tenantId") REFERENCES "tenants" ("id") ON DELETE RESTRICT ON UPDATE NO ACTION)`,
      `CREATE INDEX "IDX_protection_breaches_tenant" ON "protection_breaches" ("tenantId", "openedAt")`,
    ]) {
      await queryRunner.query(sql);
    }
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const table of ['protection_breaches', 'protection_samples', 'protection_status']) {
      await queryRunner.query(`DROP TABLE "${table}"`);
    }
  }
}
