import { Injectable, Logger } from '@nestjs/common';
import { Clock } from '../../libs/clock';
import { ReauthRequiredError } from '../oauth';
import { OAuthCredentialsRepository } from '../oauth';
import { OAuthTokenService } from '../oauth';
import { TwitchApiClient } from '../twitch';

export interface ValidationReport {
  checked: number;
  valid: number;
  needsReauth: number;
  failed: number;
}

/** Validations sent to Twitch at once. */
const CONCURRENCY = 4;

/**
 * Twitch requires apps to validate every token at start and hourly. A rejected token is refreshed; when that
 * fails too, the streamer becomes needs_reauth and the dashboard asks them to reconnect.
 */
@Injectable()
export class TwitchTokenValidator {
  private readonly logger = new Logger(TwitchTokenValidator.name);

  constructor(
    private readonly credentials: OAuthCredentialsRepository,
    private readonly tokens: OAuthTokenService,
    private readonly twitch: TwitchApiClient,
    private readonly clock: Clock,
  ) {}

  async validateAll(): Promise<ValidationReport> {
    const streamerIds = await this.credentials.listActiveStreamerIds('twitch');
    const report: ValidationReport = { checked: streamerIds.length, valid: 0, needsReauth: 0, failed: 0 };
    for (let start = 0; start < streamerIds.length; start += CONCURRENCY) {
      const outcomes = await Promise.all(
        streamerIds.slice(start, start + CONCURRENCY).map((id) => this.validateOne(id)),
      );
      for (const outcome of outcomes) {
        report[outcome] += 1;
      }
    }
    this.logger.log(
      `Validated ${report.checked} Twitch token(s): ${report.valid} valid, ${report.needsReauth} need reauth, ${report.failed} failed`,
    );
    return report;
  }

  async validateOne(streamerId: string): Promise<'valid' | 'needsReauth' | 'failed'> {
    try {
      await this.tokens.withAccessToken(this.twitch, streamerId, (token) => this.twitch.validate(token));
      await this.credentials.markValidated(streamerId, 'twitch', this.clock.now());
      return 'valid';
    } catch (error) {
      if (error instanceof ReauthRequiredError) {
        return 'needsReauth';
      }
      this.logger.warn(
        `Could not validate the Twitch token of streamer ${streamerId}: ${(error as Error).message}`,
      );
      return 'failed';
    }
  }
}
