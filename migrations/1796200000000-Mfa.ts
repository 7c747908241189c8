import type { MigrationInterface, QueryRunner } from 'typeorm';
import { schemaPrefix } from './schema-prefix';

/**
 * Second factors (issue #11): authenticator-app factors (secret encrypted at rest), recovery codes (HMACs),
 * and what a challenge needs for MFA and re-authentication: the first factor's amr and the session to re-authenticate.
 */
export class Mfa1796200000000 implements MigrationInterface {
  name = 'Mfa1796200000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    const s = schemaPrefix(queryRunner);
    await queryRunner.query(`CREATE TABLE ${s}"mfa_factors" (
      "id" uuid NOT NULL,
      "user_id" uuid NOT NULL,
      "type" text NOT NULL,
      "name" text,
      "secret_ciphertext" text NOT NULL,
      "last_used_step" bigint,
      "last_used_at" TIMESTAMP WITH TIME ZONE,
      "confirmed_at" TIMESTAMP WITH TIME ZONE,
      "expires_at" TIMESTAMP WITH TIME ZONE,
      "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
      CONSTRAINT "mfa_factors_pkey" PRIMARY KEY ("id"),
      CONSTRAINT "mfa_factors_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES ${s}"users"("id") ON DELETE CASCADE
    )`);
    await queryRunner.query(`CREATE INDEX "mfa_factors_user_id_idx" ON ${s}"mfa_factors" ("user_id")`);
    await queryRunner.query(`CREATE INDEX "mfa_factors_pending_expires_at_idx" ON ${s}"mfa_factors" ("expires_at") WHERE "confirmed_at" IS NULL`);
    await queryRunner.query(`CREATE TABLE ${s}"recovery_codes" (
      "id" uuid NOT NULL,
      "user_id" uuid NOT NULL,
      "code_hash" text NOT NULL,
      "used_at" TIMESTAMP WITH TIME ZONE,
      "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
      CONSTRAINT "recovery_codes_pkey" PRIMARY KEY ("id"),
      CONSTRAINT "recovery_codes_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES ${s}"users"("id") ON DELETE CASCADE
    )`);
    await queryRunner.query(`CREATE UNIQUE INDEX "recovery_codes_user_id_code_hash_idx" ON ${s}"recovery_codes" ("user_id", "code_hash")`);
    await queryRunner.query(`ALTER TABLE ${s}"otp_challenges" ADD "first_factor_amr" text array`);
    await queryRunner.query(`ALTER TABLE ${s}"otp_challenges" ADD "session_id" uuid`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    const s = schemaPrefix(queryRunner);
    await queryRunner.query(`ALTER TABLE ${s}"otp_challenges" DROP COLUMN "session_id"`);
    await queryRunner.query(`ALTER TABLE ${s}"otp_challenges" DROP COLUMN "first_factor_amr"`);
    await queryRunner.query(`DROP TABLE ${s}"recovery_codes"`);
    await queryRunner.query(`DROP TABLE ${s}"mfa_factors"`);
  }
}
