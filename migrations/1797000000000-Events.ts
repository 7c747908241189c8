import type { MigrationInterface, QueryRunner } from 'typeorm';
import { schemaPrefix } from './schema-prefix';

/**
 * Events (issue #27): the outbox and feed (`events`; position and sequence stamped by the relay after COMMIT) and
 * the per-aggregate sequence counters with the feed head (`event_aggregates`).
 */
export class Events1797000000000 implements MigrationInterface {
  name = 'Events1797000000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    const s = schemaPrefix(queryRunner);
    await queryRunner.query(`CREATE TABLE ${s}"events" (
      "id" text NOT NULL,
      "seq" bigint GENERATED ALWAYS AS IDENTITY,
      "type" text NOT NULL,
      "aggregate_type" text NOT NULL,
      "aggregate_id" text NOT NULL,
      "organization_id" uuid,
      "data" jsonb NOT NULL,
      "occurred_at" TIMESTAMP WITH TIME ZONE NOT NULL,
      "available_at" TIMESTAMP WITH TIME ZONE NOT NULL,
      "position" bigint,
      "sequence" integer,
      CONSTRAINT "PK_events" PRIMARY KEY ("id")
    )`);
    await queryRunner.query(`CREATE INDEX "events_unstamped_idx" ON ${s}"events" ("seq") WHERE "position" IS NULL`);
    await queryRunner.query(`CREATE UNIQUE INDEX "events_position_key" ON ${s}"events" ("position") WHERE "position" IS NOT NULL`);
    await queryRunner.query(
      `CREATE INDEX "events_organization_position_idx" ON ${s}"events" ("organization_id", "position") WHERE "position" IS NOT NULL`,
    );
    await queryRunner.query(`CREATE TABLE ${s}"event_aggregates" (
      "aggregate_type" text NOT NULL,
      "aggregate_id" text NOT NULL,
      "last_sequence" bigint NOT NULL,
      "last_type" text NOT NULL,
      "last_event_at" TIMESTAMP WITH TIME ZONE NOT NULL,
      CONSTRAINT "PK_event_aggregates" PRIMARY KEY ("aggregate_type", "aggregate_id")
    )`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    const s = schemaPrefix(queryRunner);
    await queryRunner.query(`DROP TABLE ${s}"event_aggregates"`);
    await queryRunner.query(`DROP TABLE ${s}"events"`);
  }
}
