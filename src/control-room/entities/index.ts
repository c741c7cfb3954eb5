import { GoalEntity } from './goal.entity';
import { StreamMarkEntity } from './stream-mark.entity';

export * from './goal.entity';
export * from './stream-mark.entity';
export const CONTROL_ROOM_ENTITIES = [GoalEntity, StreamMarkEntity];
