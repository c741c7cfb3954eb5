import { OverlayControlEntity } from './overlay-control.entity';

export * from './overlay-control.entity';
export const OVERLAY_ENTITIES = [OverlayControlEntity];
