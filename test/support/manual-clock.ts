import { Clock } from '../../libs/clock';

/** Time that moves only when the test says so. Starts at the real time, so stored timestamps look real. */
export class ManualClock extends Clock {
  constructor(private time = Date.now()) {
    super();
  }

  now(): number {
    return this.time;
  }

  advance(ms: number): void {
    this.time += ms;
  }
}
