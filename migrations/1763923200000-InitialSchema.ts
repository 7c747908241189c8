import type { MigrationInterface, QueryRunner } from 'typeorm';
import { schemaPrefix } from './schema-prefix';

/** Generated against PostgreSQL 15 by TypeORM's schema builder from the entities, then reviewed. */
export class InitialSchema1763923200000 implements MigrationInterface {
  name = 'InitialSchema1763923200000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    const s = schemaPrefix(queryRunner);
    await queryRunner.query(`CREATE TABLE ${s}"audit_events" ("id" uuid NOT NULL, "event" text NOT NULL, "outcome" text NOT NULL, "user_id" uuid, "ip" text, "user_agent" text, "data" jsonb NOT NULL DEFAULT '{}'::jsonb, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_910f64d901a5c3e9878f0d4a407" PRIMARY KEY ("id"))`);
    await queryRunner.query(`CREATE INDEX "audit_events_user_id_created_at_idx" ON ${s}"audit_events" ("user_id", "created_at")`);
    await queryRunner.query(`CREATE TABLE ${s}"organizations" ("id" uuid NOT NULL, "name" text NOT NULL, "industry" text, "team_size" text, "logo_url" text, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_6b031fcd0863e3f6b44230163f9" PRIMARY KEY ("id"))`);
    await queryRunner.query(`CREATE TABLE ${s}"users" ("id" uuid NOT NULL, "email" text, "email_verified" boolean NOT NULL DEFAULT false, "phone" text, "phone_verified" boolean NOT NULL DEFAULT false, "name" text, "organization_id" uuid, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_a3ffb1c0c8416b9fc6f907b7433" PRIMARY KEY ("id"))`);
    await queryRunner.query(`CREATE UNIQUE INDEX "users_email_key" ON ${s}"users" ("email")`);
    await queryRunner.query(`CREATE UNIQUE INDEX "users_phone_key" ON ${s}"users" ("phone")`);
    await queryRunner.query(`CREATE TABLE ${s}"magic_link_tokens" ("id" uuid NOT NULL, "user_id" uuid NOT NULL, "secret_hash" text NOT NULL, "redirect_to" text, "expires_at" TIMESTAMP WITH TIME ZONE NOT NULL, "consumed_at" TIMESTAMP WITH TIME ZONE, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_e97101929b9f3c7afc0920b0f17" PRIMARY KEY ("id"))`);
    await queryRunner.query(`CREATE INDEX "magic_link_tokens_user_id_idx" ON ${s}"magic_link_tokens" ("user_id")`);
    await queryRunner.query(`CREATE TABLE ${s}"otp_challenges" ("id" uuid NOT NULL, "user_id" uuid, "channel" text NOT NULL, "purpose" text NOT NULL, "destination" text NOT NULL, "code_hash" text, "expires_at" TIMESTAMP WITH TIME ZONE NOT NULL, "consumed_at" TIMESTAMP WITH TIME ZONE, "send_count" integer NOT NULL DEFAULT '1', "last_sent_at" TIMESTAMP WITH TIME ZONE NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_c34f21df6c8aa51229715452068" PRIMARY KEY ("id"))`);
    await queryRunner.query(`CREATE INDEX "otp_challenges_user_id_idx" ON ${s}"otp_challenges" ("user_id")`);
    await queryRunner.query(`CREATE TABLE ${s}"password_credentials" ("user_id" uuid NOT NULL, "password_hash" text NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_9b6358b8110bfd9267608e85e0d" PRIMARY KEY ("user_id"))`);
    await queryRunner.query(`CREATE TABLE ${s}"password_reset_tokens" ("id" uuid NOT NULL, "user_id" uuid NOT NULL, "challenge_id" uuid, "secret_hash" text NOT NULL, "expires_at" TIMESTAMP WITH TIME ZONE NOT NULL, "consumed_at" TIMESTAMP WITH TIME ZONE, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_d16bebd73e844c48bca50ff8d3d" PRIMARY KEY ("id"))`);
    await queryRunner.query(`CREATE INDEX "password_reset_tokens_user_id_idx" ON ${s}"password_reset_tokens" ("user_id")`);
    await queryRunner.query(`CREATE TABLE ${s}"sessions" ("id" uuid NOT NULL, "user_id" uuid NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "last_used_at" TIMESTAMP WITH TIME ZONE NOT NULL, "expires_at" TIMESTAMP WITH TIME ZONE NOT NULL, "revoked_at" TIMESTAMP WITH TIME ZONE, "revoked_reason" text, "user_agent" text, "ip" text, CONSTRAINT "PK_3238ef96f18b355b671619111bc" PRIMARY KEY ("id"))`);
    await queryRunner.query(`CREATE INDEX "sessions_user_id_idx" ON ${s}"sessions" ("user_id")`);
    await queryRunner.query(`CREATE TABLE ${s}"refresh_tokens" ("id" uuid NOT NULL, "session_id" uuid NOT NULL, "secret_hash" text NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "rotated_at" TIMESTAMP WITH TIME ZONE, CONSTRAINT "PK_7d8bee0204106019488c4c50ffa" PRIMARY KEY ("id"))`);
    await queryRunner.query(`CREATE INDEX "refresh_tokens_session_id_idx" ON ${s}"refresh_tokens" ("session_id")`);
    await queryRunner.query(`ALTER TABLE ${s}"users" ADD CONSTRAINT "FK_21a659804ed7bf61eb91688dea7" FOREIGN KEY ("organization_id") REFERENCES ${s}"organizations"("id") ON DELETE SET NULL ON UPDATE NO ACTION`);
    await queryRunner.query(`ALTER TABLE ${s}"magic_link_tokens" ADD CONSTRAINT "FK_9816d102c11455bbed3d7ea77b6" FOREIGN KEY ("user_id") REFERENCES ${s}"users"("id") ON DELETE CASCADE ON UPDATE NO ACTION`);
    await queryRunner.query(`ALTER TABLE ${s}"otp_challenges" ADD CONSTRAINT "FK_bc8cf2568282e1080164be8fc1c" FOREIGN KEY ("user_id") REFERENCES ${s}"users"("id") ON DELETE CASCADE ON UPDATE NO ACTION`);
    await queryRunner.query(`ALTER TABLE ${s}"password_credentials" ADD CONSTRAINT "FK_9b6358b8110bfd9267608e85e0d" FOREIGN KEY ("user_id") REFERENCES ${s}"users"("id") ON DELETE CASCADE ON UPDATE NO ACTION`);
    await queryRunner.query(`ALTER TABLE ${s}"password_reset_tokens" ADD CONSTRAINT "FK_52ac39dd8a28730c63aeb428c9c" FOREIGN KEY ("user_id") REFERENCES ${s}"users"("id") ON DELETE CASCADE ON UPDATE NO ACTION`);
    await queryRunner.query(`ALTER TABLE ${s}"sessions" ADD CONSTRAINT "FK_085d540d9f418cfbdc7bd55bb19" FOREIGN KEY ("user_id") REFERENCES ${s}"users"("id") ON DELETE CASCADE ON UPDATE NO ACTION`);
    await queryRunner.query(`ALTER TABLE ${s}"refresh_tokens" ADD CONSTRAINT "FK_3bf308fa93da3966f9e76fcfba4" FOREIGN KEY ("session_id") REFERENCES ${s}"sessions"("id") ON DELETE CASCADE ON UPDATE NO ACTION`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    const s = schemaPrefix(queryRunner);
    await queryRunner.query(`DROP TABLE IF EXISTS ${s}"refresh_tokens" CASCADE`);
    await queryRunner.query(`DROP TABLE IF EXISTS ${s}"sessions" CASCADE`);
    await queryRunner.query(`DROP TABLE IF EXISTS ${s}"password_reset_tokens" CASCADE`);
    await queryRunner.query(`DROP TABLE IF EXISTS ${s}"password_credentials" CASCADE`);
    await queryRunner.query(`DROP TABLE IF EXISTS ${s}"otp_challenges" CASCADE`);
    await queryRunner.query(`DROP TABLE IF EXISTS ${s}"magic_link_tokens" CASCADE`);
    await queryRunner.query(`DROP TABLE IF EXISTS ${s}"users" CASCADE`);
    await queryRunner.query(`DROP TABLE IF EXISTS ${s}"organizations" CASCADE`);
    await queryRunner.query(`DROP TABLE IF EXISTS ${s}"audit_events" CASCADE`);
  }
}
