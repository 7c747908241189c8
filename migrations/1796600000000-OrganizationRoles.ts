import type { MigrationInterface, QueryRunner } from 'typeorm';
import { schemaPrefix } from './schema-prefix';

/**
 * Custom roles (issue #25): per organization, a key unique there, a name, a description and the permissions granted.
 * Deleting an organization deletes its roles (ON DELETE CASCADE).
 */
export class OrganizationRoles1796600000000 implements MigrationInterface {
  name = 'OrganizationRoles1796600000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    const s = schemaPrefix(queryRunner);
    await queryRunner.query(
      `CREATE TABLE ${s}"organization_roles" ("organization_id" uuid NOT NULL, "key" text NOT NULL, "name" text NOT NULL, "description" text, "permissions" text array NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_organization_roles" PRIMARY KEY ("organization_id", "key"))`,
    );
    await queryRunner.query(
      `ALTER TABLE ${s}"organization_roles" ADD CONSTRAINT "FK_organization_roles_organization_id" FOREIGN KEY ("organization_id") REFERENCES ${s}"organizations"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    const s = schemaPrefix(queryRunner);
    await queryRunner.query(`DROP TABLE ${s}"organization_roles"`);
  }
}
