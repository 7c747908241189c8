import type { MigrationInterface, QueryRunner } from 'typeorm';
import { schemaPrefix } from './schema-prefix';

/** Passkeys (WebAuthn credentials): one row per credential, its id unique across every account. */
export class Passkeys1796400000000 implements MigrationInterface {
  name = 'Passkeys1796400000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    const s = schemaPrefix(queryRunner);
    await queryRunner.query(
      `CREATE TABLE ${s}"passkeys" ("id" uuid NOT NULL, "user_id" uuid NOT NULL, "credential_id" text NOT NULL, "public_key" bytea NOT NULL, "counter" bigint NOT NULL, "transports" text array NOT NULL DEFAULT '{}', "device_type" text NOT NULL, "backed_up" boolean NOT NULL, "aaguid" text, "name" text, "flagged_at" TIMESTAMP WITH TIME ZONE, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "last_used_at" TIMESTAMP WITH TIME ZONE, CONSTRAINT "PK_passkeys_id" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(`CREATE UNIQUE INDEX "passkeys_credential_id_key" ON ${s}"passkeys" ("credential_id")`);
    await queryRunner.query(`CREATE INDEX "passkeys_user_id_idx" ON ${s}"passkeys" ("user_id")`);
    await queryRunner.query(
      `ALTER TABLE ${s}"passkeys" ADD CONSTRAINT "FK_passkeys_user_id" FOREIGN KEY ("user_id") REFERENCES ${s}"users"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    const s = schemaPrefix(queryRunner);
    await queryRunner.query(`DROP TABLE ${s}"passkeys"`);
  }
}
