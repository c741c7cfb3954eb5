import { MemoryOwnershipStore } from './ownership-store';

const state = (epoch: number, status: string) => ({
  key: 'k',
  owner: 'a',
  since: 1,
  status,
  lastError: null,
  epoch,
  updatedAt: 2,
});

describe(MemoryOwnershipStore.name, () => {
  it('refuses a write from an older epoch and accepts the same or a newer one', async () => {
    const sut = new MemoryOwnershipStore();
    await expect(sut.write(state(5, 'running'))).resolves.toBe(true);
    await expect(sut.write(state(4, 'stale'))).resolves.toBe(false);
    await expect(sut.write(state(5, 'reported'))).resolves.toBe(true);
    await expect(sut.remove('k', 4)).resolves.toBe(false);
    await expect(sut.all()).resolves.toEqual([state(5, 'reported')]);
    await expect(sut.one('k')).resolves.toEqual(state(5, 'reported'));
    await expect(sut.remove('k', 6)).resolves.toBe(true);
    await expect(sut.all()).resolves.toEqual([]);
    await expect(sut.one('k')).resolves.toBeNull();
  });

  it('prunes heartbeats that have expired', async () => {
    const sut = new MemoryOwnershipStore();
    await sut.heartbeat('a', 100);
    await sut.heartbeat('b', 200);
    await expect(sut.liveInstances(150)).resolves.toEqual(['b']);
    await sut.leave('b');
    await expect(sut.liveInstances(150)).resolves.toEqual([]);
  });
});
