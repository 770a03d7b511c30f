import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

export type EmailStatus = 'pending' | 'sent' | 'failed';

export interface EmailAttachmentRef {
  filename: string;
  contentType: string;
  /** Attachments are referenced, not copied: the sender loads the bytes when it sends. */
  source: { kind: 'plan-document'; assignmentId: string } | { kind: 'statement'; periodId: string; personId: string };
}

@Entity('email_outbox')
export class EmailOutboxEntity {
  @PrimaryGeneratedColumn('uuid') id!: string;
  /** Business key, e.g. `plan-acceptance:<assignmentId>:invite`: one email per purpose, ever. */
  @Column('text', { unique: true }) purpose!: string;
  @Column('text') toAddress!: string;
  @Column('text') subject!: string;
  @Column('text') text!: string;
  @Column('text', { nullable: true }) html!: string | null;
  @Column('jsonb', { default: () => "'[]'::jsonb" }) attachments!: EmailAttachmentRef[];
  @Column('text') messageId!: string;
  @Column('text', { default: 'pending' }) status!: EmailStatus;
  @Column('integer', { default: 0 }) attempts!: number;
  @Column('text', { nullable: true }) lastError!: string | null;
  @CreateDateColumn({ type: 'timestamptz' }) createdAt!: Date;
  @Column('timestamptz', { nullable: true }) sentAt!: Date | null;
}
