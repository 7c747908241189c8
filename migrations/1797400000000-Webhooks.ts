import type { MigrationInterface, QueryRunner } from 'typeorm';
import { schemaPrefix } from './schema-prefix';

/**
 * Webhooks (issue #27, second half): endpoints (an organization's, or global with organization_id null) and their
 * deliveries. An organization's endpoints go with it (ON DELETE CASCADE), and an endpoint's deliveries with it.
 * Secrets are AES-256-GCM sealed (never stored in clear). Pending deliveries are claimed with FOR UPDATE SKIP LOCKED
 * and a lease (lease_until), so several gateways share them.
 */
export class Webhooks1797400000000 implements MigrationInterface {
  name = 'Webhooks1797400000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    const s = schemaPrefix(queryRunner);
    await queryRunner.query(
      `CREATE TABLE ${s}"webhook_endpoints" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "organization_id" uuid, "url" text NOT NULL, "description" text, "event_types" text array NOT NULL, "enabled" boolean NOT NULL, "disabled_reason" text, "secret" text NOT NULL, "previous_secret" text, "previous_secret_until" TIMESTAMP WITH TIME ZONE, "failing_since" TIMESTAMP WITH TIME ZONE, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_webhook_endpoints" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(`CREATE INDEX "IDX_webhook_endpoints_organization_id" ON ${s}"webhook_endpoints" ("organization_id")`);
    await queryRunner.query(
      `ALTER TABLE ${s}"webhook_endpoints" ADD CONSTRAINT "FK_webhook_endpoints_organization_id" FOREIGN KEY ("organization_id") REFERENCES ${s}"organizations"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `CREATE TABLE ${s}"webhook_deliveries" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "endpoint_id" uuid NOT NULL, "event_id" text NOT NULL, "event_type" text NOT NULL, "aggregate_type" text NOT NULL, "aggregate_id" text NOT NULL, "sequence" integer NOT NULL, "status" text NOT NULL, "attempts" integer NOT NULL DEFAULT 0, "last_attempt_at" TIMESTAMP WITH TIME ZONE, "next_attempt_at" TIMESTAMP WITH TIME ZONE, "response_status_code" integer, "response_body" text, "error" text, "duration_ms" integer, "lease_until" TIMESTAMP WITH TIME ZONE, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL, CONSTRAINT "PK_webhook_deliveries" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `ALTER TABLE ${s}"webhook_deliveries" ADD CONSTRAINT "FK_webhook_deliveries_endpoint_id" FOREIGN KEY ("endpoint_id") REFERENCES ${s}"webhook_endpoints"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    // The worker's claim (due pending rows), the per-aggregate order check, the deliveries connection, retention.
    await queryRunner.query(`CREATE INDEX "IDX_webhook_deliveries_due" ON ${s}"webhook_deliveries" ("next_attempt_at") WHERE "status" = 'PENDING'`);
    await queryRunner.query(
      `CREATE INDEX "IDX_webhook_deliveries_pending_aggregate" ON ${s}"webhook_deliveries" ("endpoint_id", "aggregate_type", "aggregate_id", "sequence") WHERE "status" = 'PENDING'`,
    );
    await queryRunner.query(`CREATE INDEX "IDX_webhook_deliveries_endpoint_created" ON ${s}"webhook_deliveries" ("endpoint_id", "created_at", "id")`);
    await queryRunner.query(`CREATE INDEX "IDX_webhook_deliveries_created_at" ON ${s}"webhook_deliveries" ("created_at")`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    const s = schemaPrefix(queryRunner);
    await queryRunner.query(`DROP TABLE ${s}"webhook_deliveries"`);
    await queryRunner.query(`DROP TABLE ${s}"webhook_endpoints"`);
  }
}
