import type { MigrationInterface, QueryRunner } from 'typeorm';
import { schemaPrefix } from './schema-prefix';

/**
 * The active organization in the token (issue #25): each session has an active organization (null: none; gone with
 * the organization, ON DELETE SET NULL), and each membership remembers when the user last made it active
 * (setActiveOrganization): a new session starts with the most recently made active membership, else the earliest
 * joined. Kept on the membership, so leaving an organization forgets it with the row.
 */
export class ActiveOrganization1796650000000 implements MigrationInterface {
  name = 'ActiveOrganization1796650000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    const s = schemaPrefix(queryRunner);
    await queryRunner.query(`ALTER TABLE ${s}"sessions" ADD "active_organization_id" uuid`);
    await queryRunner.query(
      `ALTER TABLE ${s}"sessions" ADD CONSTRAINT "FK_sessions_active_organization_id" FOREIGN KEY ("active_organization_id") REFERENCES ${s}"organizations"("id") ON DELETE SET NULL ON UPDATE NO ACTION`,
    );
    // The sessions whose active organization is X (stale claims on a membership change, and the FK's SET NULL).
    await queryRunner.query(
      `CREATE INDEX "sessions_active_organization_idx" ON ${s}"sessions" ("active_organization_id", "user_id") WHERE "active_organization_id" IS NOT NULL`,
    );
    await queryRunner.query(`ALTER TABLE ${s}"memberships" ADD "last_active_at" TIMESTAMP WITH TIME ZONE`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    const s = schemaPrefix(queryRunner);
    await queryRunner.query(`ALTER TABLE ${s}"memberships" DROP COLUMN "last_active_at"`);
    await queryRunner.query(`DROP INDEX ${s}"sessions_active_organization_idx"`);
    await queryRunner.query(`ALTER TABLE ${s}"sessions" DROP COLUMN "active_organization_id"`);
  }
}
