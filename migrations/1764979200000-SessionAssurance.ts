import type { MigrationInterface, QueryRunner } from 'typeorm';
import { schemaPrefix } from './schema-prefix';

/** Sessions remember how the user authenticated: aal, amr and the time of the last authentication. */
export class SessionAssurance1764979200000 implements MigrationInterface {
  name = 'SessionAssurance1764979200000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    const s = schemaPrefix(queryRunner);
    await queryRunner.query(`ALTER TABLE ${s}"sessions" ADD "aal" text NOT NULL DEFAULT 'aal1'`);
    await queryRunner.query(`ALTER TABLE ${s}"sessions" ADD "amr" text array NOT NULL DEFAULT '{}'`);
    // Sessions from before: their sign-in time is the best known last authentication.
    await queryRunner.query(`ALTER TABLE ${s}"sessions" ADD "last_authenticated_at" TIMESTAMP WITH TIME ZONE`);
    await queryRunner.query(`UPDATE ${s}"sessions" SET "last_authenticated_at" = "created_at"`);
    await queryRunner.query(`ALTER TABLE ${s}"sessions" ALTER COLUMN "last_authenticated_at" SET NOT NULL`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    const s = schemaPrefix(queryRunner);
    await queryRunner.query(`ALTER TABLE ${s}"sessions" DROP COLUMN "last_authenticated_at"`);
    await queryRunner.query(`ALTER TABLE ${s}"sessions" DROP COLUMN "amr"`);
    await queryRunner.query(`ALTER TABLE ${s}"sessions" DROP COLUMN "aal"`);
  }
}
