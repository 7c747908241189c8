import { Column, CreateDateColumn, Entity, Index, PrimaryColumn } from 'typeorm';

@Entity({ name: 'organizations' })
export class OrganizationEntity {
  @PrimaryColumn('uuid')
  id: string;

  @Column('text')
  name: string;

  /** Unique, ^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$ (slug.ts). */
  @Index('organizations_slug_key', { unique: true })
  @Column('text')
  slug: string;

  @Column('text', { nullable: true })
  industry: string | null;

  @Column('text', { nullable: true })
  teamSize: string | null;

  @Column('text', { nullable: true })
  logoUrl: string | null;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt: Date;
}
