import { Module } from '@nestjs/common';
import { StreamersModule } from '../streamers';
import { OAuthCredentialsRepository } from './oauth-credentials.repository';
import { OAuthTokenService } from './oauth-token.service';
import { TypeOrmOAuthCredentialsRepository } from './typeorm-oauth-credentials.repository';

@Module({
  imports: [StreamersModule],
  providers: [
    { provide: OAuthCredentialsRepository, useClass: TypeOrmOAuthCredentialsRepository },
    OAuthTokenService,
  ],
  exports: [OAuthCredentialsRepository, OAuthTokenService],
})
export class OAuthModule {}
