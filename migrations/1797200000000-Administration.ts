import type { MigrationInterface, QueryRunner } from 'typeorm';
import { schemaPrefix } from './schema-prefix';

/**
 * Administration (issue #26): `user_bans` (one row per banned user, gone with the user; an ended ban is deleted by
 * retention), and the indexes adminUsers' prefix search uses: `text_pattern_ops` btrees serve `LIKE 'prefix%'`
 * whatever the database's collation: email (stored lower-cased), lower(name), phone (E.164); and
 * (created_at, id) for the newest-first listing and its cursor.
 */
export class Administration1797200000000 implements MigrationInterface {
  name = 'Administration1797200000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    const s = schemaPrefix(queryRunner);
    await queryRunner.query(
      `CREATE TABLE ${s}"user_bans" (
        "user_id" uuid PRIMARY KEY REFERENCES ${s}"users"("id") ON DELETE CASCADE,
        "banned_at" timestamptz NOT NULL,
        "banned_until" timestamptz,
        "reason" text NOT NULL,
        "banned_by" uuid
      )`,
    );
    await queryRunner.query(`CREATE INDEX "user_bans_until_idx" ON ${s}"user_bans" ("banned_until") WHERE "banned_until" IS NOT NULL`);
    await queryRunner.query(`CREATE INDEX "users_email_prefix_idx" ON ${s}"users" ("email" text_pattern_ops)`);
    await queryRunner.query(`CREATE INDEX "users_name_prefix_idx" ON ${s}"users" (lower("name") text_pattern_ops)`);
    await queryRunner.query(`CREATE INDEX "users_phone_prefix_idx" ON ${s}"users" ("phone" text_pattern_ops)`);
    await queryRunner.query(`CREATE INDEX "users_created_at_id_idx" ON ${s}"users" ("created_at", "id")`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    const s = schemaPrefix(queryRunner);
    await queryRunner.query(`DROP INDEX ${s}"users_created_at_id_idx"`);
    await queryRunner.query(`DROP INDEX ${s}"users_phone_prefix_idx"`);
    await queryRunner.query(`DROP INDEX ${s}"users_name_prefix_idx"`);
    await queryRunner.query(`DROP INDEX ${s}"users_email_prefix_idx"`);
    await queryRunner.query(`DROP TABLE ${s}"user_bans"`);
  }
}
