export const ChatEvents = {
  /**
   * In-process, on the instance whose bot reads the streamer's chat (one per streamer across the cluster): a
   * viewer wrote a line in the channel. Payload: `ViewerMessage`. The bot's own lines are not announced.
   */
  viewerMessage: 'chat.viewer-message',
} as const;

/** A viewer's chat line, as the bot read it. */
export interface ViewerMessage {
  streamerId: string;
  /** The viewer's Twitch user id (the `user-id` tag). */
  userId: string;
  login: string;
  displayName: string;
  text: string;
  /** When Twitch says it was sent (`tmi-sent-ts`), epoch ms. */
  sentAt: number;
}
