import type { SchedulerConfig } from '../../config';
import { ManualClock } from '../../test/support/manual-clock';
import { BudgetExhaustedError, DonationAlertsBudget } from './request-budget';
import { MemorySlidingWindowLimiter } from '../../libs/rate-limit';

describe(DonationAlertsBudget.name, () => {
  const settings = { appLimit: 8, perStreamerLimit: 100, rateWindowMs: 60_000 } as SchedulerConfig;
  let clock: ManualClock;
  let sut: DonationAlertsBudget;

  beforeEach(() => {
    clock = new ManualClock();
    sut = new DonationAlertsBudget(new MemorySlidingWindowLimiter(), clock, settings);
  });

  async function takeAll(priority: 'normal' | 'spare'): Promise<number> {
    let taken = 0;
    for (;;) {
      try {
        await sut.take(`streamer-${taken}`, 1, priority);
        taken += 1;
      } catch (error) {
        expect(error).toBeInstanceOf(BudgetExhaustedError);
        expect((error as BudgetExhaustedError).scope).toBe('app');
        return taken;
      }
    }
  }

  it('lets spare takes use only what leaves a quarter of the application budget free', async () => {
    await expect(takeAll('spare')).resolves.toBe(6);
    await expect(takeAll('normal')).resolves.toBe(2);
  });

  it('gives normal takes the whole application budget', async () => {
    await expect(takeAll('normal')).resolves.toBe(8);
    await expect(takeAll('spare')).resolves.toBe(0);
  });

  it('keeps application requests 5 % longer than the window (they are counted on arrival), then frees them', async () => {
    await takeAll('normal');
    clock.advance(60_001);
    await expect(takeAll('normal')).resolves.toBe(0);
    clock.advance(3000);
    await expect(takeAll('spare')).resolves.toBe(6);
  });
});
