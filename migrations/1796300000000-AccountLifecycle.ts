import type { MigrationInterface, QueryRunner } from 'typeorm';
import { schemaPrefix } from './schema-prefix';

/**
 * Account lifecycle (src/modules/account): soft deletion with a grace period on users, pending and past
 * email/phone changes (with the undo link of an email change), and the devices an account signed in from
 * (for the new-device notice). Everything hangs off users with ON DELETE CASCADE, so erasing a user erases
 * these rows too (and the tables later migrations add, which follow the same rule).
 */
export class AccountLifecycle1796300000000 implements MigrationInterface {
  name = 'AccountLifecycle1796300000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    const s = schemaPrefix(queryRunner);
    await queryRunner.query(`ALTER TABLE ${s}"users" ADD "deleted_at" TIMESTAMP WITH TIME ZONE`);
    await queryRunner.query(`ALTER TABLE ${s}"users" ADD "erase_at" TIMESTAMP WITH TIME ZONE`);
    await queryRunner.query(`CREATE INDEX "users_erase_at_idx" ON ${s}"users" ("erase_at") WHERE "erase_at" IS NOT NULL`);
    await queryRunner.query(
      `CREATE TABLE ${s}"contact_changes" ("id" uuid NOT NULL, "user_id" uuid NOT NULL, "session_id" uuid, "kind" text NOT NULL, "old_value" text, "old_verified" boolean NOT NULL DEFAULT false, "new_value" text NOT NULL, "challenge_id" uuid, "undo_secret_hash" text, "undo_expires_at" TIMESTAMP WITH TIME ZONE, "confirmed_at" TIMESTAMP WITH TIME ZONE, "undone_at" TIMESTAMP WITH TIME ZONE, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_contact_changes" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(`CREATE INDEX "contact_changes_user_id_idx" ON ${s}"contact_changes" ("user_id")`);
    await queryRunner.query(`CREATE INDEX "contact_changes_challenge_id_idx" ON ${s}"contact_changes" ("challenge_id")`);
    await queryRunner.query(`CREATE INDEX "contact_changes_created_at_idx" ON ${s}"contact_changes" ("created_at")`);
    await queryRunner.query(
      `ALTER TABLE ${s}"contact_changes" ADD CONSTRAINT "FK_contact_changes_user" FOREIGN KEY ("user_id") REFERENCES ${s}"users"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `CREATE TABLE ${s}"known_devices" ("user_id" uuid NOT NULL, "fingerprint" text NOT NULL, "first_seen_at" TIMESTAMP WITH TIME ZONE NOT NULL, "last_seen_at" TIMESTAMP WITH TIME ZONE NOT NULL, CONSTRAINT "PK_known_devices" PRIMARY KEY ("user_id", "fingerprint"))`,
    );
    await queryRunner.query(`CREATE INDEX "known_devices_last_seen_at_idx" ON ${s}"known_devices" ("last_seen_at")`);
    await queryRunner.query(
      `ALTER TABLE ${s}"known_devices" ADD CONSTRAINT "FK_known_devices_user" FOREIGN KEY ("user_id") REFERENCES ${s}"users"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    const s = schemaPrefix(queryRunner);
    await queryRunner.query(`DROP TABLE ${s}"known_devices"`);
    await queryRunner.query(`DROP TABLE ${s}"contact_changes"`);
    await queryRunner.query(`DROP INDEX ${s}"users_erase_at_idx"`);
    await queryRunner.query(`ALTER TABLE ${s}"users" DROP COLUMN "erase_at"`);
    await queryRunner.query(`ALTER TABLE ${s}"users" DROP COLUMN "deleted_at"`);
  }
}
