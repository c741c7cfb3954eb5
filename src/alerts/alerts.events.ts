import type { AlertSettings } from './alert-settings';

export const AlertsEvents = {
  /**
   * In-process, on the instance that saved them: a streamer's alert settings changed. The overlay puts them on
   * the streamer's event log, so every open page on every instance applies them. Payload: `AlertSettingsChanged`.
   */
  settingsChanged: 'alerts.settings-changed',
} as const;

export interface AlertSettingsChanged {
  streamerId: string;
  settings: AlertSettings;
}
