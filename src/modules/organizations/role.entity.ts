import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * A custom role of one organization: its key (unique there, never a built-in key) and its permissions, sorted, with
 * org:read always among them and org:delete never. The foreign key to organizations (ON DELETE CASCADE) is in the
 * migration: deleting an organization removes its roles.
 */
@Entity({ name: 'organization_roles' })
export class OrganizationRoleEntity {
  @PrimaryColumn('uuid')
  organizationId: string;

  @PrimaryColumn('text')
  key: string;

  @Column('text')
  name: string;

  @Column('text', { nullable: true })
  description: string | null;

  @Column('text', { array: true })
  permissions: string[];

  @Column('timestamptz', { default: () => 'now()' })
  createdAt: Date;
}
