/** In-process events about a streamer's connections, emitted by onboarding and awaited by their listeners. */
export const OnboardingEvents = {
  /** Payload: the streamer id. A streamer logged in with Twitch (perhaps granting new scopes). */
  twitchLoggedIn: 'twitch.logged-in',
  /** Payload: the streamer id. */
  donationAlertsConnected: 'donationalerts.connected',
  /** Payload: the streamer id. */
  donationAlertsDisconnected: 'donationalerts.disconnected',
} as const;
