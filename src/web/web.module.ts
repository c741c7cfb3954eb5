import { Module } from '@nestjs/common';
import { AlertsModule } from '../alerts';
import { AuthModule } from '../auth';
import { DonationAlertsModule } from '../donation-alerts';
import { OAuthModule } from '../oauth';
import { BotsModule } from '../bots';
import { RealtimeModule } from '../realtime';
import { SessionsModule } from '../sessions';
import { StreamersModule } from '../streamers';
import { PagesController } from './pages.controller';

/** The server-rendered pages streamers see (landing, dashboard) and the browser files they load. */
@Module({
  imports: [
    AlertsModule,
    AuthModule,
    BotsModule,
    DonationAlertsModule,
    OAuthModule,
    RealtimeModule,
    SessionsModule,
    StreamersModule,
  ],
  controllers: [PagesController],
})
export class WebModule {}
