import type { DataSource } from 'typeorm';
import { lastSignInOf, membershipsOf, mfaEnabledOf } from './admin-users';

/** AdminUser's per-user lists for a page of users, one query each (the resolver batches them per request). */
export class AdminDetails {
  constructor(private readonly dataSource: DataSource) {}

  async memberships(ids: readonly string[]): Promise<{ organizationId: string; organizationName: string; role: string; joinedAt: Date }[][]> {
    const rows = await membershipsOf(this.dataSource.manager, ids);
    return ids.map((id) =>
      rows
        .filter((r) => r.user_id === id)
        .map((r) => ({ organizationId: r.organization_id, organizationName: r.organization_name, role: r.role, joinedAt: r.joined_at })),
    );
  }

  async mfaEnabled(ids: readonly string[]): Promise<boolean[]> {
    const on = await mfaEnabledOf(this.dataSource.manager, ids);
    return ids.map((id) => on.has(id));
  }

  async lastSignIn(ids: readonly string[]): Promise<(Date | null)[]> {
    const at = await lastSignInOf(this.dataSource.manager, ids);
    return ids.map((id) => at.get(id) ?? null);
  }
}
