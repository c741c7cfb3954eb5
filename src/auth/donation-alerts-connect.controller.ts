import { Controller, Get, Logger, Post, Req, Res } from '@nestjs/common';
import { ApiExcludeEndpoint, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { InjectConfig, type AppConfig } from '../../config';
import { DonationAlertsOAuthClient } from '../donation-alerts';
import { CurrentStreamer, StreamerSession } from '../sessions';
import type { DashboardNotice } from './auth-pages';
import { DonationAlertsAccountTakenError, OnboardingService } from './onboarding.service';
import { OAuthStateStore } from './oauth-state.store';

@ApiTags('auth')
@Controller('auth/donationalerts')
@StreamerSession('redirect-home')
export class DonationAlertsConnectController {
  private readonly logger = new Logger(DonationAlertsConnectController.name);
  private readonly redirectUri: string;

  constructor(
    private readonly states: OAuthStateStore,
    private readonly donationAlerts: DonationAlertsOAuthClient,
    private readonly onboarding: OnboardingService,
    @InjectConfig('app') app: AppConfig,
  ) {
    this.redirectUri = `${app.publicUrl}/auth/donationalerts/callback`;
  }

  @Get()
  @ApiOperation({
    summary: 'Starts connecting DonationAlerts (logged-in streamers): redirects to DonationAlerts',
  })
  async start(@CurrentStreamer() streamerId: string, @Res() res: Response): Promise<void> {
    if (!this.donationAlerts.configured) {
      return res.redirect(303, '/dashboard');
    }
    const state = await this.states.issue({ flow: 'donationalerts-connect', streamerId });
    res.redirect(303, this.donationAlerts.authorizeUrl(this.redirectUri, state));
  }

  @Get('callback')
  @ApiExcludeEndpoint()
  async callback(
    @CurrentStreamer() streamerId: string,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    const state = await this.states.consume(
      typeof req.query.state === 'string' ? req.query.state : undefined,
    );
    if (state?.flow !== 'donationalerts-connect' || state.streamerId !== streamerId) {
      return this.toDashboard(res, 'da-failed');
    }
    if (typeof req.query.error === 'string' || typeof req.query.code !== 'string') {
      return this.toDashboard(res, 'da-cancelled');
    }
    try {
      await this.onboarding.connectDonationAlerts(streamerId, req.query.code, this.redirectUri);
      this.toDashboard(res, 'da-connected');
    } catch (error) {
      if (error instanceof DonationAlertsAccountTakenError) {
        return this.toDashboard(res, 'da-taken');
      }
      this.logger.warn(
        `Connecting DonationAlerts failed for streamer ${streamerId}: ${(error as Error).message}`,
      );
      this.toDashboard(res, 'da-failed');
    }
  }

  @Post('disconnect')
  @ApiOperation({ summary: 'Disconnects DonationAlerts from the logged-in streamer' })
  async disconnect(@CurrentStreamer() streamerId: string, @Res() res: Response): Promise<void> {
    await this.onboarding.disconnectDonationAlerts(streamerId);
    res.redirect(303, '/dashboard');
  }

  private toDashboard(res: Response, notice: DashboardNotice): void {
    res.redirect(303, `/dashboard?notice=${notice}`);
  }
}
