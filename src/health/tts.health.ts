import { Injectable } from '@nestjs/common';
import { HealthIndicatorService, type HealthIndicatorResult } from '@nestjs/terminus';
import { TtsService } from '../alerts';

/**
 * Text-to-speech: the engine and whether it can speak on this instance. Informational: without it alerts still
 * play, silently, so it never takes the service out of the load balancer.
 */
@Injectable()
export class TtsHealthIndicator {
  constructor(
    private readonly tts: TtsService,
    private readonly health: HealthIndicatorService,
  ) {}

  async check(): Promise<HealthIndicatorResult<'tts'>> {
    return this.health.check('tts').up({ ...(await this.tts.status()) });
  }
}
