import type { MigrationInterface, QueryRunner } from 'typeorm';
import { schemaPrefix } from './schema-prefix';

/**
 * The worker's claim takes, per enabled endpoint, its oldest due PENDING deliveries (at most the per-endpoint cap):
 * an index on (endpoint_id, next_attempt_at, created_at) of the pending rows serves each endpoint's probe, so a claim
 * costs one short index read per endpoint, whatever the backlog of one endpoint.
 */
export class WebhookDeliveriesEndpointDue1797450000000 implements MigrationInterface {
  name = 'WebhookDeliveriesEndpointDue1797450000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    const s = schemaPrefix(queryRunner);
    await queryRunner.query(
      `CREATE INDEX "IDX_webhook_deliveries_endpoint_due" ON ${s}"webhook_deliveries" ("endpoint_id", "next_attempt_at", "created_at") WHERE "status" = 'PENDING'`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    const s = schemaPrefix(queryRunner);
    await queryRunner.query(`DROP INDEX ${s}"IDX_webhook_deliveries_endpoint_due"`);
  }
}
