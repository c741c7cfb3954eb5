import { ConcurrencyLimit } from './concurrency-limit';

interface Gate {
  promise: Promise<void>;
  open(): void;
}

function gate(): Gate {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

describe(ConcurrencyLimit.name, () => {
  it('runs at most `limit` tasks at once and starts the waiting ones in order as others finish', async () => {
    const sut = new ConcurrencyLimit(2);
    const gates = [gate(), gate(), gate(), gate()];
    const started: number[] = [];
    const results = gates.map((g, index) =>
      sut.run(async () => {
        started.push(index);
        await g.promise;
        return index;
      }),
    );
    await Promise.resolve();
    expect(started).toEqual([0, 1]);
    expect([sut.active, sut.queued]).toEqual([2, 2]);

    gates[1].open();
    await expect(results[1]).resolves.toBe(1);
    expect(started).toEqual([0, 1, 2]);

    gates[0].open();
    gates[2].open();
    gates[3].open();
    await expect(Promise.all(results)).resolves.toEqual([0, 1, 2, 3]);
    expect([sut.active, sut.queued]).toEqual([0, 0]);
  });

  it('frees the turn of a task that fails', async () => {
    const sut = new ConcurrencyLimit(1);
    await expect(sut.run(() => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    await expect(sut.run(() => Promise.resolve('next'))).resolves.toBe('next');
    expect(sut.active).toBe(0);
  });

  it('refuses a limit below one', () => {
    expect(() => new ConcurrencyLimit(0)).toThrow(RangeError);
  });
});
