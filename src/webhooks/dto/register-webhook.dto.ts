import { ApiProperty } from '@nestjs/swagger';
import { IsNotEmpty, IsString, IsUrl, MaxLength } from 'class-validator';

export class RegisterWebhookDto {
  @ApiProperty({ example: '0b6f3c1e-3f57-4a43-9a39-5a7f5a3c2b11' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(36)
  streamerId!: string;

  @ApiProperty({
    example: 'https://relay.example.com/hooks/streamer-1',
    description: 'Where deliveries come from',
  })
  @IsUrl(
    { protocols: ['http', 'https'], require_protocol: true, require_tld: false },
    { message: 'webhookUrl must be an http(s) URL' },
  )
  @MaxLength(2048)
  webhookUrl!: string;
}
