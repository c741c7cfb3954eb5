import type { AlertSettings } from './alert-settings';

export const AlertsEvents = {
  /**
   * In-process, on the instance that saved them: a streamer's alert settings changed. The overlay puts them on
   * the streamer's event log, so every open page on every instance applies them. Payload: `AlertSettingsChanged`.
   */
  settingsChanged: 'alerts.settings-changed',
  /**
   * A held donation the streamer approved: in-process on the instance that releases it (the overlay puts it on
   * the log once) and on the cross-instance bus (the bot's owner thanks it). Payload: the stored `Donation`.
   * Released again if the releasing instance died first, so listeners de-duplicate by the donation's id.
   */
  approved: 'alerts.donation-approved',
} as const;

export interface AlertSettingsChanged {
  streamerId: string;
  settings: AlertSettings;
}
