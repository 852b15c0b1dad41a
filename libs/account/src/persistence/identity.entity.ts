import { Column, Entity, PrimaryColumn } from 'typeorm';

@Entity({ schema: 'account', name: 'identities' })
export class IdentityEntity {
  @PrimaryColumn('uuid') id!: string;
  @Column('uuid') user_id!: string;
  @Column('text') provider!: string;
  @Column('text') subject!: string;
  @Column('text', { nullable: true }) email!: string | null;
  @Column('timestamptz') created_at!: Date;
  @Column('timestamptz', { nullable: true }) last_used_at!: Date | null;
}
