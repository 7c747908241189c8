import type { MigrationInterface, QueryRunner } from 'typeorm';
import { schemaPrefix } from './schema-prefix';

/**
 * Who acted and where (issues #26–#28): `actor_id` is who acted when it was not `user_id` (an admin banning or
 * impersonating, an inviter); `organization_id` the organization a row is about (until now only in data). Existing
 * rows keep null actors; their organization is copied out of data where it was recorded. No foreign keys: audit rows
 * outlive the users and organizations they name.
 */
export class AuditActors1796900000000 implements MigrationInterface {
  name = 'AuditActors1796900000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    const s = schemaPrefix(queryRunner);
    await queryRunner.query(`ALTER TABLE ${s}"audit_events" ADD "actor_id" uuid, ADD "organization_id" uuid`);
    await queryRunner.query(
      `UPDATE ${s}"audit_events" SET "organization_id" = ("data"->>'organizationId')::uuid
        WHERE "data" ? 'organizationId' AND ("data"->>'organizationId') ~ '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    const s = schemaPrefix(queryRunner);
    await queryRunner.query(`ALTER TABLE ${s}"audit_events" DROP COLUMN "organization_id", DROP COLUMN "actor_id"`);
  }
}
