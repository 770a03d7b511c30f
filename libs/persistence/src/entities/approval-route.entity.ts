import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';
import type { ApprovalRequestRef } from '@quotaflow/domain';

/** Who asked and whom a routed request is about, for step children checking separation of duties. */
@Entity('approval_routes')
export class ApprovalRouteEntity {
  @PrimaryColumn('text') routeKey!: string;
  @Column('text') subject!: string;
  @Column('jsonb') request!: ApprovalRequestRef;
  @CreateDateColumn({ type: 'timestamptz' }) createdAt!: Date;
}
