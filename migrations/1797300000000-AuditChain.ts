import type { MigrationInterface, QueryRunner } from 'typeorm';
import { schemaPrefix } from './schema-prefix';

/**
 * The tamper-evident audit chain (issue #26): the sealer gives each committed row its place (`chain_sequence`),
 * the hash of the row before (`prev_hash`), its own `hash`, and the digest of its personal fields
 * (`personal_digest`, kept when erasure clears them). Writers leave the four null. `audit_chain_anchor` holds one
 * row once retention has deleted the chain's start: the last deleted row's sequence and hash.
 */
export class AuditChain1797300000000 implements MigrationInterface {
  name = 'AuditChain1797300000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    const s = schemaPrefix(queryRunner);
    await queryRunner.query(
      `ALTER TABLE ${s}"audit_events" ADD "chain_sequence" bigint, ADD "prev_hash" text, ADD "hash" text, ADD "personal_digest" text`,
    );
    await queryRunner.query(`CREATE UNIQUE INDEX "audit_events_chain_sequence_idx" ON ${s}"audit_events" ("chain_sequence")`);
    await queryRunner.query(
      `CREATE INDEX "audit_events_unsealed_idx" ON ${s}"audit_events" ("created_at", "id") WHERE "chain_sequence" IS NULL`,
    );
    await queryRunner.query(
      `CREATE TABLE ${s}"audit_chain_anchor" ("id" smallint PRIMARY KEY DEFAULT 1 CHECK ("id" = 1), "chain_sequence" bigint NOT NULL, "hash" text NOT NULL, "updated_at" timestamptz NOT NULL DEFAULT now())`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    const s = schemaPrefix(queryRunner);
    await queryRunner.query(`DROP TABLE ${s}"audit_chain_anchor"`);
    await queryRunner.query(`DROP INDEX ${s}"audit_events_unsealed_idx"`);
    await queryRunner.query(`DROP INDEX ${s}"audit_events_chain_sequence_idx"`);
    await queryRunner.query(
      `ALTER TABLE ${s}"audit_events" DROP COLUMN "personal_digest", DROP COLUMN "hash", DROP COLUMN "prev_hash", DROP COLUMN "chain_sequence"`,
    );
  }
}
