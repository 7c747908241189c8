import type { EntityManager } from 'typeorm';
import type { RawStatements } from '../../db/raw-statements';
import { UserEntity } from './user.entity';

/**
 * The users table's part of another module's hand-written statement (the one-statement sign-in joins the user it
 * signs in; the one-statement refresh answers with the session's user). Only text and row mapping: other modules
 * never name the users table or its columns themselves.
 */
export const userStatements = {
  /** The users table, schema-qualified and quoted. */
  table(raw: RawStatements): string {
    return raw.table(UserEntity);
  },

  /** Every column of a user, each named by its property: a row selected with it becomes a user through toUser. */
  columns(raw: RawStatements): string {
    return raw.columns(UserEntity);
  },

  /** A row selected with columns() as a user. */
  toUser(raw: RawStatements, row: Record<string, unknown>): UserEntity {
    return raw.toEntity(UserEntity, row);
  },

  /**
   * Whether the user is deleted (or missing), read under a share lock in `em`'s transaction (a deletion committing
   * meanwhile is seen: it locks the row FOR UPDATE first). One named statement.
   */
  async isDeletedForShare(raw: RawStatements, em: EntityManager, userId: string): Promise<boolean> {
    const rows = await raw.runIn<{ deleted: boolean }>(
      em,
      'warden_user_deleted_v1',
      () => `SELECT deleted_at IS NOT NULL AS deleted FROM ${raw.table(UserEntity)} WHERE id = $1 FOR SHARE`,
      [userId],
    );
    return rows.length === 0 || rows[0]!.deleted;
  },
};
