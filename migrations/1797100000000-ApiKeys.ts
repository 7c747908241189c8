import type { MigrationInterface, QueryRunner } from 'typeorm';
import { schemaPrefix } from './schema-prefix';

/**
 * API keys (issue #28): the HMAC of each key, looked up by its unique prefix. An organization's keys go with it
 * (ON DELETE CASCADE), and so do a user's keys with the user (erasure).
 */
export class ApiKeys1797100000000 implements MigrationInterface {
  name = 'ApiKeys1797100000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    const s = schemaPrefix(queryRunner);
    await queryRunner.query(
      `CREATE TABLE ${s}"api_keys" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "prefix" text NOT NULL, "secret_hash" text NOT NULL, "name" text NOT NULL, "organization_id" uuid, "created_by_user_id" uuid NOT NULL, "scopes" text array NOT NULL, "allowed_operations" text array NOT NULL, "rate_limit_per_minute" integer NOT NULL, "rotated_from_id" uuid, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "last_used_at" TIMESTAMP WITH TIME ZONE, "expires_at" TIMESTAMP WITH TIME ZONE, "revoked_at" TIMESTAMP WITH TIME ZONE, CONSTRAINT "PK_api_keys" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(`CREATE UNIQUE INDEX "UQ_api_keys_prefix" ON ${s}"api_keys" ("prefix")`);
    await queryRunner.query(`CREATE INDEX "IDX_api_keys_organization_id" ON ${s}"api_keys" ("organization_id")`);
    await queryRunner.query(`CREATE INDEX "IDX_api_keys_created_by_user_id" ON ${s}"api_keys" ("created_by_user_id")`);
    await queryRunner.query(
      `ALTER TABLE ${s}"api_keys" ADD CONSTRAINT "FK_api_keys_organization_id" FOREIGN KEY ("organization_id") REFERENCES ${s}"organizations"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE ${s}"api_keys" ADD CONSTRAINT "FK_api_keys_created_by_user_id" FOREIGN KEY ("created_by_user_id") REFERENCES ${s}"users"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    const s = schemaPrefix(queryRunner);
    await queryRunner.query(`DROP TABLE ${s}"api_keys"`);
  }
}
