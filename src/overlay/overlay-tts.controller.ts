import {
  Controller,
  Get,
  Headers,
  NotFoundException,
  Param,
  Res,
  ServiceUnavailableException,
} from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { SpeechUnavailableError, TtsService } from '../alerts';
import { DonationsRepository } from '../donations';
import { StreamersRepository } from '../streamers';
import { overlayStreamerId } from './overlay-token';
import { ifNoneMatchHolds, isUuid } from '../common';

/** A clip never changes for its ETag (what it says and how), so the page may keep it for the day of a stream. */
const CACHE_CONTROL = 'private, max-age=86400';

/** What the overlay page speaks after an alert's sound: the donation's TTS clip. The token is the credential. */
@ApiTags('overlay')
@Controller()
export class OverlayTtsController {
  constructor(
    private readonly streamers: StreamersRepository,
    private readonly donations: DonationsRepository,
    private readonly tts: TtsService,
  ) {}

  @Get('overlay/:token/tts/:donationId')
  @ApiOperation({
    summary:
      "A donation's text-to-speech clip (audio/wav, ETag, 304 on If-None-Match); 404 when there is nothing to " +
      'say (unknown overlay or donation, TTS off, below its minimum, no message), 503 when TTS is unavailable',
  })
  async speech(
    @Param('token') token: string,
    @Param('donationId') donationId: string,
    @Headers('if-none-match') ifNoneMatch: string | undefined,
    @Res() res: Response,
  ): Promise<void> {
    const streamerId = await overlayStreamerId(this.streamers, token);
    const [donation] = isUuid(donationId)
      ? await this.donations.findOfStreamer(streamerId, [donationId])
      : [];
    if (!donation) {
      throw new NotFoundException('Unknown donation');
    }
    const speech = await this.tts.spokenTextFor(donation);
    if (!speech) {
      throw new NotFoundException('Nothing to say');
    }
    const etag = `"${this.tts.keyOf(speech)}"`;
    res.set({ ETag: etag, 'Cache-Control': CACHE_CONTROL });
    if (ifNoneMatchHolds(ifNoneMatch, etag)) {
      res.status(304).end();
      return;
    }
    try {
      const audio = await this.tts.audioOf(speech);
      res.status(200).type(audio.mimeType).send(audio.data);
    } catch (error) {
      if (error instanceof SpeechUnavailableError) {
        res.removeHeader('ETag');
        res.removeHeader('Cache-Control');
        throw new ServiceUnavailableException('TTS unavailable');
      }
      throw error;
    }
  }
}
