import { ApiProperty } from '@nestjs/swagger';
import { STREAMER_STATUSES, type StreamerStatus } from '../entities/streamer.entity';
import type { StreamerSummary } from '../streamers.repository';

export class StreamerSummaryDto {
  @ApiProperty({ format: 'uuid', description: 'The id admin routes take as :streamerId' })
  id!: string;
  @ApiProperty({ example: '12345' })
  twitchId!: string;
  @ApiProperty({ example: 'streamer' })
  login!: string;
  @ApiProperty({ example: 'Streamer' })
  displayName!: string;
  @ApiProperty({ enum: STREAMER_STATUSES })
  status!: StreamerStatus;
  @ApiProperty({ description: 'Donations stored for this streamer, test alerts excluded' })
  donationCount!: number;
  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  lastDonationAt!: string | null;

  static from(summary: StreamerSummary): StreamerSummaryDto {
    return Object.assign(new StreamerSummaryDto(), {
      ...summary,
      lastDonationAt: summary.lastDonationAt === null ? null : new Date(summary.lastDonationAt).toISOString(),
    });
  }
}
