import { Injectable, Logger } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import { ChatEvents, type ViewerMessage } from '../common';
import { AvatarWall } from './avatar-wall.service';

/**
 * Puts viewers who write in chat on their streamer's avatar wall. The bot announces each line in-process, on
 * the one instance that reads the streamer's chat, so each line is recorded once across the cluster.
 */
@Injectable()
export class AvatarChatListener {
  private readonly logger = new Logger(AvatarChatListener.name);

  constructor(private readonly wall: AvatarWall) {}

  @OnEvent(ChatEvents.viewerMessage)
  async onViewerMessage(message: ViewerMessage): Promise<void> {
    try {
      await this.wall.record(message);
    } catch (error) {
      this.logger.error(
        `Chat line of viewer ${message.userId} did not reach the avatar wall of streamer ${message.streamerId}: ${(error as Error).message}`,
      );
    }
  }
}
