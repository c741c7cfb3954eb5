import { Controller, Get, Header, Req, Res } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import type { AllConfig } from '../../config';
import { SessionService } from '../auth/session.service';
import { TwitchLogin } from '../auth/twitch-login.provider';
import { DonationAlertsOAuthClient } from '../donation-alerts/donation-alerts-oauth.client';
import { OAuthCredentialsRepository } from '../oauth/oauth-credentials.repository';
import { StreamersRepository } from '../streamers/streamers.repository';
import { localeFrom } from './i18n';
import { dashboardPage, landingPage, type DashboardNotice, type DashboardView } from './pages';

const NOTICES: readonly DashboardNotice[] = ['da-connected', 'da-cancelled', 'da-taken', 'da-failed'];

/** The server-rendered pages streamers see: landing and dashboard. */
@ApiExcludeController()
@Controller()
export class PagesController {
  private readonly publicUrl: string;

  constructor(
    private readonly sessions: SessionService,
    private readonly streamers: StreamersRepository,
    private readonly credentials: OAuthCredentialsRepository,
    private readonly twitchLogin: TwitchLogin,
    private readonly donationAlerts: DonationAlertsOAuthClient,
    config: ConfigService<AllConfig, true>,
  ) {
    this.publicUrl = config.get('app.publicUrl', { infer: true });
  }

  @Get()
  @Header('Cache-Control', 'no-store')
  async landing(@Req() req: Request, @Res() res: Response): Promise<void> {
    const streamerId = this.sessions.streamerId(req);
    const loggedIn = streamerId !== null && (await this.streamers.findById(streamerId)) !== null;
    res.type('html').send(
      landingPage(localeFrom(req.headers['accept-language']), {
        loginConfigured: this.twitchLogin.passport !== null,
        loggedIn,
      }),
    );
  }

  @Get('dashboard')
  @Header('Cache-Control', 'no-store')
  async dashboard(@Req() req: Request, @Res() res: Response): Promise<void> {
    const streamerId = this.sessions.streamerId(req);
    const streamer = streamerId ? await this.streamers.findById(streamerId) : null;
    if (!streamer) {
      return res.redirect(303, '/');
    }
    const daCredential = await this.credentials.find(streamer.id, 'donationalerts');
    const notice = NOTICES.find((candidate) => candidate === req.query.notice);
    const view: DashboardView = {
      displayName: streamer.displayName,
      login: streamer.login,
      avatarUrl: streamer.avatarUrl,
      status: streamer.status,
      overlayUrl: `${this.publicUrl}/overlay/${streamer.overlayToken ?? ''}`,
      donationAlerts: daCredential
        ? { state: 'connected', accountId: daCredential.accountId, status: daCredential.status }
        : { state: this.donationAlerts.configured ? 'not-connected' : 'not-configured' },
      notice,
    };
    res.type('html').send(dashboardPage(localeFrom(req.headers['accept-language']), view));
  }
}
