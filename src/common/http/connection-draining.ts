import type { NextFunction, Request, Response } from 'express';
import type { Server } from 'node:http';

/**
 * Graceful shutdown for keep-alive clients: once draining, every response asks the client to close its
 * connection, and each connection is closed as soon as it has nothing in flight, so the server stops within
 * one request's time instead of waiting for keep-alive timeouts.
 */
export class ConnectionDrainer {
  private draining = false;
  private sweepScheduled = false;

  constructor(private readonly server: Server) {}

  readonly middleware = (_req: Request, res: Response, next: NextFunction): void => {
    if (this.draining) {
      res.setHeader('Connection', 'close');
    }
    res.once('finish', () => {
      if (this.draining) {
        this.scheduleSweep();
      }
    });
    next();
  };

  /** Stops accepting connections and closes the idle ones; busy ones close when their response is done. */
  start(): void {
    this.draining = true;
    this.server.close();
    this.server.closeIdleConnections();
  }

  /**
   * One sweep for every response that finished in the same turn: each sweep walks all connections, and
   * shutdown ends every open overlay stream at once, so a sweep per response would be quadratic (10,000
   * streams held a process for half a minute).
   */
  private scheduleSweep(): void {
    if (this.sweepScheduled) {
      return;
    }
    this.sweepScheduled = true;
    setImmediate(() => {
      this.sweepScheduled = false;
      this.server.closeIdleConnections();
    });
  }
}
