import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Disaster declaration policies per site and per tenant. */
export class DeclarationPolicies1763860000000 implements MigrationInterface {
  name = 'DeclarationPolicies1763860000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "declaration_policies" ("scopeType" varchar(8) NOT NULL, "scopeId" varchar(36) NOT NULL, "mode" varchar(16) NOT NULL, "sources" integer NOT NULL, "windowSeconds" integer NOT NULL, "graceSeconds" integer, "approver" varchar(16) NOT NULL, "reminderSeconds" integer NOT NULL, "escalationSeconds" integer NOT NULL, "updatedAt" datetime(3) NOT NULL, PRIMARY KEY ("scopeType", "scopeId"))`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "declaration_policies"`);
  }
}
