import type { MigrationInterface, QueryRunner } from 'typeorm';
import { schemaPrefix } from './schema-prefix';

/**
 * Impersonation sessions (issue #26): the acting admin, and the admin's session it was started from (ending that
 * one ends this one). No foreign keys: an erased admin leaves the column as a plain id until the session is swept.
 */
export class Impersonation1797210000000 implements MigrationInterface {
  name = 'Impersonation1797210000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    const s = schemaPrefix(queryRunner);
    await queryRunner.query(`ALTER TABLE ${s}"sessions" ADD "impersonator_id" uuid, ADD "impersonator_session_id" uuid`);
    await queryRunner.query(
      `CREATE INDEX "sessions_impersonator_session_idx" ON ${s}"sessions" ("impersonator_session_id") WHERE "impersonator_session_id" IS NOT NULL`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    const s = schemaPrefix(queryRunner);
    await queryRunner.query(`DROP INDEX ${s}"sessions_impersonator_session_idx"`);
    await queryRunner.query(`ALTER TABLE ${s}"sessions" DROP COLUMN "impersonator_session_id", DROP COLUMN "impersonator_id"`);
  }
}
