import { Controller, Get, Logger, Next, Post, Query, Req, Res } from '@nestjs/common';
import { ApiExcludeEndpoint, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { StreamerEntity } from '../streamers';
import { InjectConfig, type TwitchConfig } from '../../config';
import { localeFrom } from '../common';
import { OAuthCredentialsRepository } from '../oauth';
import { SessionService } from '../sessions';
import { messagePage } from './auth-pages';
import { TwitchLogin } from './twitch-login.provider';

/** Scopes a login may ask for on top of TWITCH_SCOPES, by the name the dashboard uses (`?grant=chat`). */
export const EXTRA_SCOPE_GRANTS: Readonly<Record<string, string>> = { chat: 'chat:edit' };

@ApiTags('auth')
@Controller('auth')
export class AuthController {
  private readonly logger = new Logger(AuthController.name);

  constructor(
    private readonly login: TwitchLogin,
    private readonly sessions: SessionService,
    private readonly credentials: OAuthCredentialsRepository,
    @InjectConfig('twitch') private readonly twitch: TwitchConfig,
  ) {}

  @Get('twitch')
  @ApiOperation({
    summary:
      'Starts "Log in with Twitch": redirects to Twitch. `?grant=chat` also asks for chat:edit (the bot may write as the streamer); a logged-in streamer keeps the scopes granted before.',
  })
  async start(
    @Req() req: Request,
    @Res() res: Response,
    @Next() next: NextFunction,
    @Query('grant') grant?: string,
  ): Promise<void> {
    if (!this.login.passport) {
      return res.redirect(303, '/');
    }
    const authenticate = this.login.passport.authenticate(TwitchLogin.STRATEGY, {
      session: false,
      scope: await this.scopesFor(req, grant),
    }) as RequestHandler;
    authenticate(req, res, next);
  }

  /** TWITCH_SCOPES, what this streamer granted before (a new login must not take chat:edit away), and the grant asked for. */
  private async scopesFor(req: Request, grant: string | undefined): Promise<string[]> {
    const scopes = new Set(this.twitch.scopes);
    const streamerId = this.sessions.streamerId(req);
    const granted = streamerId ? await this.credentials.find(streamerId, 'twitch').catch(() => null) : null;
    granted?.scopes.forEach((scope) => scopes.add(scope));
    const extra = grant ? EXTRA_SCOPE_GRANTS[grant] : undefined;
    if (extra) {
      scopes.add(extra);
    }
    return [...scopes];
  }

  @Get('twitch/callback')
  @ApiExcludeEndpoint()
  callback(@Req() req: Request, @Res() res: Response, @Next() next: NextFunction): void {
    const locale = localeFrom(req.headers['accept-language']);
    const page = (status: number, kind: Parameters<typeof messagePage>[1]) =>
      res.status(status).type('html').send(messagePage(locale, kind));
    const authenticator = this.login.passport;
    if (!authenticator) {
      return res.redirect(303, '/');
    }
    if (typeof req.query.error === 'string') {
      return void page(req.query.error === 'access_denied' ? 200 : 400, 'login-cancelled');
    }
    if (typeof req.query.state !== 'string' || typeof req.query.code !== 'string') {
      return void page(403, 'login-expired');
    }
    const authenticate = authenticator.authenticate(
      TwitchLogin.STRATEGY,
      { session: false },
      (error: Error | null, streamer: StreamerEntity | false) => {
        this.sessions.clearLoginBinding(res);
        if (error) {
          this.logger.warn(`Twitch login failed: ${error.message}`);
          return void page(502, 'provider-down');
        }
        if (!streamer) {
          return void page(403, 'login-expired');
        }
        this.sessions.start(res, streamer.id);
        res.redirect(303, '/dashboard');
      },
    ) as RequestHandler;
    authenticate(req, res, next);
  }

  @Post('logout')
  @ApiOperation({ summary: 'Ends the session and goes back to the landing page' })
  logout(@Res() res: Response): void {
    this.sessions.end(res);
    res.redirect(303, '/');
  }
}
