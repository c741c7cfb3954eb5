import { NotFoundException } from '@nestjs/common';
import type { StreamersRepository } from '../streamers';

/** The streamer an overlay URL's token names (the token is the page's credential); 404 for any other. */
export async function overlayStreamerId(streamers: StreamersRepository, token: string): Promise<string> {
  const streamer = await streamers.findByOverlayToken(token);
  if (!streamer) {
    throw new NotFoundException('Unknown overlay');
  }
  return streamer.id;
}
