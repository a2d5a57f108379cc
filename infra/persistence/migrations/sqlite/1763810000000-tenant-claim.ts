import type { MigrationInterface, QueryRunner } from 'typeorm';

/** One operation per tenant: the operation that holds the tenant, claimed and released by a conditional update. */
export class TenantClaim1763810000000 implements MigrationInterface {
  name = 'TenantClaim1763810000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "tenants" ADD COLUMN "activeOperationId" varchar(255)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "tenants" DROP COLUMN "activeOperationId"`);
  }
}
