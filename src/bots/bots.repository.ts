export interface BotSettings {
  enabled: boolean;
  /** The template in force (the default one when the streamer never saved one). */
  template: string;
  thankTestAlerts: boolean;
  /** When the streamer last saved them; null for the defaults. A restarting bot thanks nothing stored before. */
  updatedAt: number | null;
}

export abstract class BotsRepository {
  /** The streamer's settings, the defaults when none are saved. */
  abstract settings(streamerId: string): Promise<BotSettings>;
  abstract saveSettings(
    streamerId: string,
    settings: Omit<BotSettings, 'updatedAt'>,
    now: number,
  ): Promise<void>;
  /** Streamers who switched their bot off. */
  abstract disabledStreamerIds(): Promise<string[]>;
  /**
   * Claims the right to thank these donations: returns the ids this call claimed; ids already claimed (by any
   * instance, at any time) are left out. Whoever claims a donation is the only one that may send its line.
   */
  abstract claimThanks(
    streamerId: string,
    donationIds: string[],
    epoch: number,
    now: number,
  ): Promise<string[]>;
  /** Gives up this epoch's claims on donations whose line did not go out, so they can be thanked later. */
  abstract releaseThanks(streamerId: string, donationIds: string[], epoch: number): Promise<void>;
  /** Of these donation ids, the ones some bot already claimed. */
  abstract thanked(donationIds: string[]): Promise<string[]>;
}
