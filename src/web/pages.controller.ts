import { Controller, Get, Header, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { InjectConfig, type AppConfig } from '../../config';
import { DASHBOARD_NOTICES, TwitchLogin } from '../auth';
import { TtsService } from '../alerts';
import { DonationAlertsOAuthClient } from '../donation-alerts';
import { OAuthCredentialsRepository } from '../oauth';
import { BotViews } from '../bots';
import { RealtimeService } from '../realtime';
import { CurrentStreamer, StreamerSession } from '../sessions';
import { StreamersRepository } from '../streamers';
import { localeFrom } from '../common';
import { dashboardPage, landingPage, type DashboardView } from './pages';

/** The server-rendered pages streamers see: landing and dashboard. */
@ApiExcludeController()
@Controller()
export class PagesController {
  private readonly publicUrl: string;

  constructor(
    private readonly streamers: StreamersRepository,
    private readonly credentials: OAuthCredentialsRepository,
    private readonly twitchLogin: TwitchLogin,
    private readonly donationAlerts: DonationAlertsOAuthClient,
    private readonly realtime: RealtimeService,
    private readonly bots: BotViews,
    private readonly tts: TtsService,
    @InjectConfig('app') app: AppConfig,
  ) {
    this.publicUrl = app.publicUrl;
  }

  @Get()
  @Header('Cache-Control', 'no-store')
  @StreamerSession('continue')
  async landing(
    @CurrentStreamer() streamerId: string | null,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
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
  @StreamerSession('redirect-home')
  async dashboard(
    @CurrentStreamer() streamerId: string,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    const streamer = await this.streamers.findById(streamerId);
    if (!streamer) {
      return res.redirect(303, '/');
    }
    const daCredential = await this.credentials.find(streamer.id, 'donationalerts');
    const notice = DASHBOARD_NOTICES.find((candidate) => candidate === req.query.notice);
    const view: DashboardView = {
      displayName: streamer.displayName,
      login: streamer.login,
      avatarUrl: streamer.avatarUrl,
      status: streamer.status,
      overlayUrl: `${this.publicUrl}/overlay/${streamer.overlayToken ?? ''}`,
      donationAlerts: daCredential
        ? {
            state: 'connected',
            accountId: daCredential.accountId,
            status: daCredential.status,
            realtime: await this.realtime.viewOf(streamer.id),
          }
        : { state: this.donationAlerts.configured ? 'not-connected' : 'not-configured' },
      bot: await this.bots.forStreamer(streamer.id),
      ttsAvailable: (await this.tts.status()).available,
      notice,
    };
    res.type('html').send(dashboardPage(localeFrom(req.headers['accept-language']), view));
  }
}
