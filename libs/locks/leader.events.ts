export const LeaderEvents = {
  elected: 'leader.elected',
  lost: 'leader.lost',
} as const;

export interface LeadershipChange {
  instanceId: string;
  epoch: number;
}
