import { Injectable, Logger } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import { AlertsEvents, presentationOf, type AlertSettingsChanged } from '../alerts';
import { OverlayEventLog } from './overlay-event-log';

/**
 * Puts saved alert settings on the streamer's overlay log, so every open alert page, on every instance, draws the
 * next alerts with them without a refresh. A page that connects later gets them first (the `settings` snapshot).
 */
@Injectable()
export class AlertSettingsListener {
  private readonly logger = new Logger(AlertSettingsListener.name);

  constructor(private readonly log: OverlayEventLog) {}

  @OnEvent(AlertsEvents.settingsChanged, { promisify: true })
  async onChanged({ streamerId, settings }: AlertSettingsChanged): Promise<void> {
    try {
      await this.log.append(streamerId, { type: 'settings', data: presentationOf(settings) });
    } catch (error) {
      // Saved all the same: pages that connect from now on get them first.
      this.logger.warn(
        `Alert settings of ${streamerId} did not reach open overlays: ${(error as Error).message}`,
      );
    }
  }
}
