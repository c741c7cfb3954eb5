import {
  connectCommand,
  donationChannel,
  isTokenProblem,
  parseDisconnect,
  parseFrame,
  pingCommand,
  pushedDonation,
  subscribeCommand,
} from './centrifugo-protocol';

describe('Centrifugo protocol', () => {
  it('writes connect, subscribe and ping as Centrifugo JSON protocol v1 commands', () => {
    expect(JSON.parse(connectCommand(1, 'socket-token'))).toEqual({
      params: { token: 'socket-token' },
      id: 1,
    });
    expect(JSON.parse(subscribeCommand(2, donationChannel(42), 'jwt'))).toEqual({
      params: { channel: '$alerts:donation_42', token: 'jwt' },
      method: 1,
      id: 2,
    });
    expect(JSON.parse(pingCommand(7))).toEqual({ id: 7, method: 7 });
  });

  it('splits a frame holding several replies on newlines and classifies each', () => {
    const frame = [
      JSON.stringify({ id: 1, result: { client: 'c-1', version: '2.8.5' } }),
      JSON.stringify({ result: { channel: '$alerts:donation_42', data: { seq: 3, data: { id: 9 } } } }),
      '',
      '{}',
      JSON.stringify({ id: 2, error: { code: 103, message: 'permission denied' } }),
    ].join('\n');

    const messages = parseFrame(frame);

    expect(messages).toEqual([
      { kind: 'reply', id: 1, result: { client: 'c-1', version: '2.8.5' }, error: undefined },
      { kind: 'push', channel: '$alerts:donation_42', data: { seq: 3, data: { id: 9 } } },
      { kind: 'keepalive' },
      { kind: 'reply', id: 2, result: undefined, error: { code: 103, message: 'permission denied' } },
    ]);
    expect(pushedDonation(messages[1].kind === 'push' ? messages[1].data : null)).toEqual({ id: 9 });
  });

  it('skips lines that are not JSON and treats join/leave messages as not donations', () => {
    expect(
      parseFrame('not json\n' + JSON.stringify({ result: { type: 1, channel: 'x', data: {} } })),
    ).toEqual([{ kind: 'other', raw: { result: { type: 1, channel: 'x', data: {} } } }]);
    expect(pushedDonation('nothing')).toBeUndefined();
  });

  it('reads a JSON disconnect reason, and falls back to the close code for a plain one', () => {
    expect(parseDisconnect(3005, '{"reason":"token expired","reconnect":false}')).toEqual({
      reason: 'token expired',
      reconnect: false,
    });
    expect(parseDisconnect(1006, '')).toEqual({ reason: 'closed with code 1006', reconnect: true });
    expect(parseDisconnect(1000, 'bye')).toEqual({ reason: 'bye', reconnect: true });
  });

  it('tells token problems apart from other disconnects', () => {
    expect(isTokenProblem('token expired')).toBe(true);
    expect(isTokenProblem('connection expired')).toBe(true);
    expect(isTokenProblem('unauthorized')).toBe(true);
    expect(isTokenProblem('shutdown')).toBe(false);
  });
});
