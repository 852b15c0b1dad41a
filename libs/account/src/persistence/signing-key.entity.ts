import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { JWK } from 'jose';

@Entity({ schema: 'account', name: 'signing_keys' })
export class SigningKeyEntity {
  @PrimaryColumn('text') kid!: string;
  @Column('text') alg!: string;
  @Column('jsonb') public_jwk!: JWK;
  @Column('bytea') private_key!: Buffer;
  @Column('timestamptz') created_at!: Date;
  @Column('timestamptz', { nullable: true }) retired_at!: Date | null;
}
