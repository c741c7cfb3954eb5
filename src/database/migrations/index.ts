import { InitialSchema1763780000000 } from './1763780000000-InitialSchema';
import { StreamerOnboarding1763790000000 } from './1763790000000-StreamerOnboarding';
import { DonationAnnouncements1763800000000 } from './1763800000000-DonationAnnouncements';
import { Webhooks1763810000000 } from './1763810000000-Webhooks';
import { Bots1763820000000 } from './1763820000000-Bots';
import { Alerts1763830000000 } from './1763830000000-Alerts';
import { AlertMedia1763840000000 } from './1763840000000-AlertMedia';
import { DonationModeration1763850000000 } from './1763850000000-DonationModeration';
import { DonationHistory1763860000000 } from './1763860000000-DonationHistory';
import { Goals1763870000000 } from './1763870000000-Goals';
import { OverlayControls1763880000000 } from './1763880000000-OverlayControls';

/** Every migration, oldest first. Listed explicitly so the same list works from TypeScript and compiled code. */
export const MIGRATIONS = [
  InitialSchema1763780000000,
  StreamerOnboarding1763790000000,
  DonationAnnouncements1763800000000,
  Webhooks1763810000000,
  Bots1763820000000,
  Alerts1763830000000,
  AlertMedia1763840000000,
  DonationModeration1763850000000,
  DonationHistory1763860000000,
  Goals1763870000000,
  OverlayControls1763880000000,
];
