import { Injectable, NotFoundException, type PipeTransform } from '@nestjs/common';
import type { StreamerEntity } from './entities/streamer.entity';
import { StreamersRepository } from './streamers.repository';

/** Streamer ids are UUIDs (36 characters); anything else cannot name one and is not looked up. */
const STREAMER_ID = /^[0-9A-Za-z-]{1,36}$/;

/** The streamer, or 404 for an id that names none; the id in the message is cut, so a huge one is not echoed back. */
export async function requireKnownStreamer(
  streamers: StreamersRepository,
  streamerId: string,
): Promise<StreamerEntity> {
  const streamer = STREAMER_ID.test(streamerId) ? await streamers.findById(streamerId) : null;
  if (!streamer) {
    throw new NotFoundException(`Unknown streamer ${streamerId.slice(0, 64)}`);
  }
  return streamer;
}

/** `@Param('streamerId', KnownStreamerPipe)`: the id of an existing streamer, or 404. */
@Injectable()
export class KnownStreamerPipe implements PipeTransform<string, Promise<string>> {
  constructor(private readonly streamers: StreamersRepository) {}

  async transform(streamerId: string): Promise<string> {
    await requireKnownStreamer(this.streamers, streamerId);
    return streamerId;
  }
}
