import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** Why a workflow ended `failed` (a permanent error): one row per run, reported to ops. */
@Entity('workflow_failures')
export class WorkflowFailureEntity {
  @PrimaryGeneratedColumn({ type: 'bigint' }) id!: string;
  @Column('text') subject!: string;
  @Column('text') workflowId!: string;
  @Column('text') runId!: string;
  @Column('text') code!: string;
  @Column('text') reason!: string;
  @Column('timestamptz') occurredAt!: Date;
}
