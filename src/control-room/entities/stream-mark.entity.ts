import { Column, Entity, PrimaryColumn } from 'typeorm';
import { bigintAsNumber } from '../../database';

/** «Начать эфир»: when the streamer's current stream began, for the stream's top donors. */
@Entity('stream_marks')
export class StreamMarkEntity {
  @PrimaryColumn({ name: 'streamer_id', type: 'varchar', length: 36 })
  streamerId!: string;

  @Column({ name: 'started_at', type: 'bigint', transformer: bigintAsNumber })
  startedAt!: number;
}
