import { Injectable, NotFoundException, type PipeTransform } from '@nestjs/common';
import { StreamersRepository } from './streamers.repository';

/** Streamer ids are UUIDs (36 characters); anything else cannot name one and is not looked up. */
const STREAMER_ID = /^[0-9A-Za-z-]{1,36}$/;

/** 404 for an id that names no streamer; the id in the message is cut, so a huge one is not echoed back. */
export async function requireKnownStreamer(
  streamers: StreamersRepository,
  streamerId: string,
): Promise<void> {
  if (!STREAMER_ID.test(streamerId) || !(await streamers.findById(streamerId))) {
    throw new NotFoundException(`Unknown streamer ${streamerId.slice(0, 64)}`);
  }
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
