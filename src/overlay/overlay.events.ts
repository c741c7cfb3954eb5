export const OverlayTopics = {
  /** Payload: { streamerId }. Every instance closes that streamer's open streams; the token is not sent. */
  tokenRotated: 'overlay.token-rotated',
} as const;

export interface TokenRotated {
  streamerId: string;
}
