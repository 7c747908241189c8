import type { MigrationInterface, QueryRunner } from 'typeorm';
import { schemaPrefix } from './schema-prefix';

/** Provider identities (issue #10): one (provider, subject) belongs to one user; removed with the user. */
export class OAuthIdentities1796100000000 implements MigrationInterface {
  name = 'OAuthIdentities1796100000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    const s = schemaPrefix(queryRunner);
    await queryRunner.query(
      `CREATE TABLE ${s}"oauth_identities" ("id" uuid NOT NULL, "user_id" uuid NOT NULL, "provider" text NOT NULL, "subject" text NOT NULL, "email" text, "email_verified" boolean NOT NULL DEFAULT false, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "last_sign_in_at" TIMESTAMP WITH TIME ZONE, CONSTRAINT "oauth_identities_pkey" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(`CREATE UNIQUE INDEX "oauth_identities_provider_subject_key" ON ${s}"oauth_identities" ("provider", "subject")`);
    await queryRunner.query(`CREATE INDEX "oauth_identities_user_id_idx" ON ${s}"oauth_identities" ("user_id")`);
    await queryRunner.query(
      `ALTER TABLE ${s}"oauth_identities" ADD CONSTRAINT "oauth_identities_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES ${s}"users"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    const s = schemaPrefix(queryRunner);
    await queryRunner.query(`DROP TABLE IF EXISTS ${s}"oauth_identities" CASCADE`);
  }
}
