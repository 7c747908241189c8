import { Column, CreateDateColumn, Entity, Index, PrimaryColumn } from 'typeorm';

/** What happened, to whom, from where. Never holds a password, code or token. */
@Entity({ name: 'audit_events' })
@Index('audit_events_user_id_created_at_idx', ['userId', 'createdAt'])
@Index('audit_events_created_at_idx', ['createdAt'])
export class AuditEventEntity {
  @PrimaryColumn('uuid')
  id: string;

  /** noun.past_verb, e.g. otp.sent, session.revoked */
  @Column('text')
  event: string;

  @Column('text')
  outcome: 'success' | 'failure';

  @Column('uuid', { nullable: true })
  userId: string | null;

  /** Who acted when it was not userId: an admin (ban, impersonation), an inviter… */
  @Column('uuid', { nullable: true })
  actorId: string | null;

  /** The organization the row is about. */
  @Column('uuid', { nullable: true })
  organizationId: string | null;

  @Column('text', { nullable: true })
  ip: string | null;

  @Column('text', { nullable: true })
  userAgent: string | null;

  @Column('jsonb', { default: () => "'{}'::jsonb" })
  data: Record<string, unknown>;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt: Date;
}
