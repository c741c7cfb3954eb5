import { Column, Entity, PrimaryColumn } from 'typeorm';
import { bigintAsNumber } from '../../database';

/** A secret the application generated for itself, encrypted, shared by every instance. */
@Entity('app_secrets')
export class AppSecretEntity {
  @PrimaryColumn({ type: 'varchar', length: 64 })
  name!: string;

  @Column({ type: 'text' })
  value!: string;

  @Column({ name: 'created_at', type: 'bigint', transformer: bigintAsNumber })
  createdAt!: number;
}
