import { EventEmitter } from 'node:events';
import type { Server } from 'node:http';
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { Request, Response } from 'express';
import { ConnectionDrainer } from './connection-draining';

class CountingServer {
  closed = 0;
  sweeps = 0;
  close(): void {
    this.closed += 1;
  }
  closeIdleConnections(): void {
    this.sweeps += 1;
  }
}

function response(): Response & EventEmitter {
  const res = new EventEmitter() as Response & EventEmitter;
  res.setHeader = jest.fn();
  return res;
}

describe(ConnectionDrainer.name, () => {
  let server: CountingServer;
  let drainer: ConnectionDrainer;

  function handle(): Response & EventEmitter {
    const res = response();
    drainer.middleware({} as Request, res, () => undefined);
    return res;
  }

  beforeEach(() => {
    server = new CountingServer();
    drainer = new ConnectionDrainer(server as unknown as Server);
  });

  it('leaves connections alone while not draining', async () => {
    handle().emit('finish');
    await nextTurn();
    expect(server).toMatchObject({ closed: 0, sweeps: 0 });
  });

  it('stops listening and sweeps idle connections when draining starts, asking new responses to close', () => {
    drainer.start();
    const res = handle();
    expect(server).toMatchObject({ closed: 1, sweeps: 1 });
    expect(res.setHeader).toHaveBeenCalledWith('Connection', 'close');
  });

  it('sweeps once for all the responses that finish in one turn, and again for later ones', async () => {
    const open = Array.from({ length: 1000 }, () => handle());
    drainer.start();
    open.forEach((res) => res.emit('finish'));
    await nextTurn();
    expect(server.sweeps).toBe(2);
    handle().emit('finish');
    await nextTurn();
    expect(server.sweeps).toBe(3);
  });
});
