import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { AdminOnly } from '../common';
import { StreamerSummaryDto } from './dto/streamer-summary.dto';
import { StreamersRepository } from './streamers.repository';

@ApiTags('admin')
@AdminOnly()
@Controller('api/admin/streamers')
export class AdminStreamersController {
  constructor(private readonly streamers: StreamersRepository) {}

  @Get()
  @ApiOkResponse({ type: [StreamerSummaryDto] })
  async list(): Promise<StreamerSummaryDto[]> {
    const summaries = await this.streamers.listWithDonationStats();
    return summaries.map((summary) => StreamerSummaryDto.from(summary));
  }
}
