import { Column, Entity, PrimaryColumn } from 'typeorm';

@Entity({ schema: 'account', name: 'sessions' })
export class SessionEntity {
  @PrimaryColumn('uuid') id!: string;
  @Column('uuid') user_id!: string;
  @Column('text', { array: true }) amr!: string[];
  @Column('text', { nullable: true }) ip!: string | null;
  @Column('text', { nullable: true }) user_agent!: string | null;
  @Column('timestamptz') created_at!: Date;
  @Column('timestamptz') last_used_at!: Date;
  @Column('timestamptz') idle_expires_at!: Date;
  @Column('timestamptz') absolute_expires_at!: Date;
  @Column('timestamptz', { nullable: true }) revoked_at!: Date | null;
  @Column('text', { nullable: true }) revoked_reason!: string | null;
}
