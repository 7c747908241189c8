import type { MigrationInterface, QueryRunner } from 'typeorm';
import { schemaPrefix } from './schema-prefix';

/**
 * Organization invitations (issue #25, invitations): one row per invited address and organization while PENDING.
 * The token is kept only as a keyed hash (WARDEN_SECRET); accept, decline, revoke and resend change the row with
 * one conditional UPDATE each.
 */
export class OrganizationInvitations1796520000000 implements MigrationInterface {
  name = 'OrganizationInvitations1796520000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    const s = schemaPrefix(queryRunner);
    await queryRunner.query(
      `CREATE TABLE ${s}"invitations" ("id" uuid NOT NULL, "organization_id" uuid NOT NULL, "email" text NOT NULL, "role" text NOT NULL, "status" text NOT NULL DEFAULT 'PENDING', "token_id" uuid NOT NULL, "secret_hash" text NOT NULL, "invited_by_user_id" uuid, "sends" integer NOT NULL DEFAULT 1, "last_sent_at" TIMESTAMP WITH TIME ZONE NOT NULL, "expires_at" TIMESTAMP WITH TIME ZONE NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL, "accepted_at" TIMESTAMP WITH TIME ZONE, "declined_at" TIMESTAMP WITH TIME ZONE, "revoked_at" TIMESTAMP WITH TIME ZONE, "ended_at" TIMESTAMP WITH TIME ZONE, CONSTRAINT "PK_invitations_id" PRIMARY KEY ("id"))`,
    );
    // The token's id finds the row (the secret is compared against secret_hash).
    await queryRunner.query(`CREATE UNIQUE INDEX "invitations_token_key" ON ${s}"invitations" ("token_id")`);
    // At most one PENDING invitation per organization and address (inviting again updates it).
    await queryRunner.query(`CREATE UNIQUE INDEX "invitations_pending_key" ON ${s}"invitations" ("organization_id", "email") WHERE "status" = 'PENDING'`);
    // Organization.invitations, newest first (cursor on created_at, id).
    await queryRunner.query(`CREATE INDEX "invitations_organization_created_idx" ON ${s}"invitations" ("organization_id", "created_at", "id")`);
    // The viewer's pending invitations (User.pendingInvitations).
    await queryRunner.query(`CREATE INDEX "invitations_email_pending_idx" ON ${s}"invitations" ("email") WHERE "status" = 'PENDING'`);
    // Retention of ended invitations.
    await queryRunner.query(`CREATE INDEX "invitations_ended_idx" ON ${s}"invitations" ("ended_at") WHERE "ended_at" IS NOT NULL`);
    await queryRunner.query(
      `ALTER TABLE ${s}"invitations" ADD CONSTRAINT "FK_invitations_organization_id" FOREIGN KEY ("organization_id") REFERENCES ${s}"organizations"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE ${s}"invitations" ADD CONSTRAINT "FK_invitations_invited_by_user_id" FOREIGN KEY ("invited_by_user_id") REFERENCES ${s}"users"("id") ON DELETE SET NULL ON UPDATE NO ACTION`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    const s = schemaPrefix(queryRunner);
    await queryRunner.query(`DROP TABLE ${s}"invitations"`);
  }
}
