export const BotsEvents = {
  /**
   * On the cross-instance bus: a streamer's bot should be looked at now rather than at the next watchdog pass
   * (settings saved, a new login, an admin restart). Every instance runs a watchdog pass; with `reconnect`, the
   * owner also reconnects the bot (a new token or new scopes). Payload: `BotChanged`.
   */
  changed: 'bots.changed',
} as const;

export interface BotChanged {
  streamerId: string;
  reconnect: boolean;
}
