import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

export type AcceptanceDecision = 'accepted' | 'declined';

/** The recorded e-signature: who, when, from where, on which document. */
@Entity('acceptances')
export class AcceptanceEntity {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column('uuid', { unique: true }) assignmentId!: string;
  @Column('uuid') personId!: string;
  @Column('text') decision!: AcceptanceDecision;
  @Column('text', { nullable: true }) reason!: string | null;
  @Column('timestamptz') decidedAt!: Date;
  @Column('text', { nullable: true }) ip!: string | null;
  @Column('text', { nullable: true }) userAgent!: string | null;
  /** SHA-256 of the PDF the rep was sent (recorded, not printed: a PDF cannot carry its own hash). */
  @Column('text') documentHash!: string;
  /** SHA-256 of the plan version's canonical JSON: the fingerprint printed on the PDF. */
  @Column('text', { nullable: true }) rulesFingerprint!: string | null;
}
