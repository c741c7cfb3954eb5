import { Module } from '@nestjs/common';
import { TwitchApiClient } from './twitch-api.client';

/** Twitch's id host and Helix (and, with the chat bot, Twitch chat). */
@Module({
  providers: [TwitchApiClient],
  exports: [TwitchApiClient],
})
export class TwitchModule {}
