import { Injectable } from '@nestjs/common';

/** The source of time for every piece of logic that schedules, expires or backs off, so tests can drive it. */
export abstract class Clock {
  abstract now(): number;
}

@Injectable()
export class SystemClock extends Clock {
  now(): number {
    return Date.now();
  }
}
