import { createHash, randomUUID } from 'node:crypto';
import { RedisScript, type RedisConnection } from '../../libs/redis';
import { openRedis } from '../support/redis';

describe(RedisScript.name, () => {
  let redis: RedisConnection;

  beforeAll(async () => {
    redis = await openRedis();
  });

  afterAll(async () => {
    await redis?.close();
  });

  /** A script no other test uses, so loading or forgetting it concerns this test alone. */
  function uniqueScript(body: string): { script: RedisScript; sha: string } {
    const source = `-- ${randomUUID()}\n${body}`;
    return { script: new RedisScript(source), sha: createHash('sha1').update(source).digest('hex') };
  }

  it('runs a script Redis does not know yet (EVAL loads it), then by its SHA1', async () => {
    const { script, sha } = uniqueScript('return {KEYS[1], ARGV[1], ARGV[2]}');
    const client = redis.client!;
    expect(await client.script('EXISTS', sha)).toEqual([0]);

    const first = await script.run(client, ['k'], ['a', 2]);
    expect(await client.script('EXISTS', sha)).toEqual([1]);
    const second = await script.run(client, ['k'], ['b', 3]);

    expect([first, second]).toEqual([
      ['k', 'a', '2'],
      ['k', 'b', '3'],
    ]);
  });

  it("passes a script's own error on", async () => {
    const { script } = uniqueScript("return redis.error_reply('boom')");
    await expect(script.run(redis.client!, [], [])).rejects.toThrow('boom');
    await expect(script.run(redis.client!, [], [])).rejects.toThrow('boom');
  });
});
