import { KeyedSerial } from './keyed-serial';

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

describe('KeyedSerial', () => {
  it('runs the tasks of one key in the order they were added, even when an earlier one is slower', async () => {
    const serial = new KeyedSerial();
    const order: string[] = [];
    const slow = deferred();
    const first = serial.run('a', async () => {
      await slow.promise;
      order.push('first');
    });
    const second = serial.run('a', () => {
      order.push('second');
      return Promise.resolve();
    });
    await Promise.resolve();
    expect(order).toEqual([]);
    slow.resolve();
    await Promise.all([first, second]);
    expect(order).toEqual(['first', 'second']);
  });

  it('runs different keys side by side', async () => {
    const serial = new KeyedSerial();
    const blocked = deferred();
    const a = serial.run('a', () => blocked.promise);
    await serial.run('b', () => Promise.resolve());
    blocked.resolve();
    await a;
  });

  it('goes on after a failing task and rejects only to its caller', async () => {
    const serial = new KeyedSerial();
    const failing = serial.run('a', () => Promise.reject(new Error('boom')));
    const next = serial.run('a', () => Promise.resolve('ran'));
    await expect(failing).rejects.toThrow('boom');
    await expect(next).resolves.toBe('ran');
  });

  it('forgets a key once its queue is empty', async () => {
    const serial = new KeyedSerial();
    await serial.run('a', () => Promise.resolve());
    await new Promise((resolve) => setImmediate(resolve));
    expect(serial.size).toBe(0);
  });
});
