import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { SameOriginGuard } from './same-origin.guard';
import { SessionService } from './session.service';
import { StreamerSessionGuard } from './streamer-session.guard';

/** Streamers' signed session cookies, the guard and decorators that read them, and cross-site write refusal. */
@Module({
  providers: [SessionService, StreamerSessionGuard, { provide: APP_GUARD, useClass: SameOriginGuard }],
  exports: [SessionService, StreamerSessionGuard],
})
export class SessionsModule {}
