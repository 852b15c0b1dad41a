import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { UserStatus } from '../domain/user-status';

@Entity({ schema: 'account', name: 'users' })
export class UserEntity {
  @PrimaryColumn('uuid') id!: string;
  @Column('text', { nullable: true }) email!: string | null;
  @Column('timestamptz', { nullable: true }) email_verified_at!: Date | null;
  @Column('text') status!: UserStatus;
  @Column('text', { nullable: true }) display_name!: string | null;
  @Column('text', { nullable: true }) password_hash!: string | null;
  @Column('timestamptz', { nullable: true }) sessions_revoked_before!: Date | null;
  @Column('timestamptz') created_at!: Date;
  @Column('timestamptz') updated_at!: Date;
  @Column('timestamptz', { nullable: true }) deleted_at!: Date | null;
}
