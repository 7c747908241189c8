import { randomInt } from 'node:crypto';
import type { MigrationInterface, QueryRunner } from 'typeorm';
import { schemaPrefix } from './schema-prefix';

/**
 * Organizations, first part (issue #25): a unique slug on every organization (made from its name, a random suffix on
 * a clash) and memberships. Today's data moves: each user's organization (users.organization_id) becomes an `owner`
 * membership joined at the user's created_at. users.organization_id stays, kept by the organizations module as the
 * earliest-joined membership (what the deprecated User.organization answers).
 */
export class Organizations1796500000000 implements MigrationInterface {
  name = 'Organizations1796500000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    const s = schemaPrefix(queryRunner);
    await queryRunner.query(`ALTER TABLE ${s}"organizations" ADD "slug" text`);
    await this.backfillSlugs(queryRunner, s);
    await queryRunner.query(`ALTER TABLE ${s}"organizations" ALTER COLUMN "slug" SET NOT NULL`);
    await queryRunner.query(`CREATE UNIQUE INDEX "organizations_slug_key" ON ${s}"organizations" ("slug")`);

    await queryRunner.query(
      `CREATE TABLE ${s}"memberships" ("id" uuid NOT NULL, "organization_id" uuid NOT NULL, "user_id" uuid NOT NULL, "role" text NOT NULL, "joined_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_memberships_id" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(`CREATE UNIQUE INDEX "memberships_organization_user_key" ON ${s}"memberships" ("organization_id", "user_id")`);
    // The viewer's organizations, earliest joined first; members of one organization, earliest joined first (cursor).
    await queryRunner.query(`CREATE INDEX "memberships_user_joined_idx" ON ${s}"memberships" ("user_id", "joined_at", "id")`);
    await queryRunner.query(`CREATE INDEX "memberships_organization_joined_idx" ON ${s}"memberships" ("organization_id", "joined_at", "id")`);
    // Owners of one organization, counted under the organization's row lock (LAST_OWNER).
    await queryRunner.query(`CREATE INDEX "memberships_owners_idx" ON ${s}"memberships" ("organization_id") WHERE "role" = 'owner'`);
    await queryRunner.query(
      `ALTER TABLE ${s}"memberships" ADD CONSTRAINT "FK_memberships_organization_id" FOREIGN KEY ("organization_id") REFERENCES ${s}"organizations"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE ${s}"memberships" ADD CONSTRAINT "FK_memberships_user_id" FOREIGN KEY ("user_id") REFERENCES ${s}"users"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `INSERT INTO ${s}"memberships" ("id", "organization_id", "user_id", "role", "joined_at")
       SELECT gen_random_uuid(), u."organization_id", u."id", 'owner', u."created_at" FROM ${s}"users" u WHERE u."organization_id" IS NOT NULL`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    const s = schemaPrefix(queryRunner);
    await queryRunner.query(`DROP TABLE ${s}"memberships"`);
    await queryRunner.query(`DROP INDEX ${s}"organizations_slug_key"`);
    await queryRunner.query(`ALTER TABLE ${s}"organizations" DROP COLUMN "slug"`);
  }

  /** Oldest organization first keeps the plain slug; a later clash gets `-` and 6 random [a-z0-9]. In batches. */
  private async backfillSlugs(queryRunner: QueryRunner, s: string): Promise<void> {
    const taken = new Set<string>();
    const batch = 1000;
    let after: { createdAt: Date; id: string } | null = null;
    for (;;) {
      const rows: { id: string; name: string; created_at: Date }[] = after
        ? await queryRunner.query(`SELECT id, name, created_at FROM ${s}"organizations" WHERE (created_at, id) > ($1, $2) ORDER BY created_at, id LIMIT $3`, [
            after.createdAt,
            after.id,
            batch,
          ])
        : await queryRunner.query(`SELECT id, name, created_at FROM ${s}"organizations" ORDER BY created_at, id LIMIT $1`, [batch]);
      if (rows.length === 0) return;
      const ids: string[] = [];
      const slugs: string[] = [];
      for (const row of rows) {
        let slug = slugFromName(row.name);
        while (taken.has(slug)) slug = `${slugFromName(row.name)}${slugSuffix()}`;
        taken.add(slug);
        ids.push(row.id);
        slugs.push(slug);
      }
      await queryRunner.query(`UPDATE ${s}"organizations" o SET slug = v.slug FROM unnest($1::uuid[], $2::text[]) AS v(id, slug) WHERE o.id = v.id`, [ids, slugs]);
      const last = rows[rows.length - 1];
      after = { createdAt: last.created_at, id: last.id };
    }
  }
}

// The contract's rule as of this migration (kept here, not imported: a migration does not change with the code).
function slugFromName(name: string): string {
  const base = name
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 48)
    .replace(/-+$/g, '');
  return base.length > 0 ? base : 'org';
}

function slugSuffix(): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
  let out = '-';
  for (let i = 0; i < 6; i += 1) out += alphabet[randomInt(alphabet.length)];
  return out;
}
