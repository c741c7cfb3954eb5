import { once } from 'node:events';
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** An instance behind the balancer: where it answers (http://127.0.0.1:<port>). */
export interface Upstream {
  origin: string;
}

/** Which instance a load balancer sent one request to. */
export interface RoutedRequest {
  method: string;
  path: string;
  instance: number;
}

/**
 * A minimal HTTP load balancer in front of several instances: `route` picks the instance for each request
 * (round robin by default), and `routed` records the choice, so a test can make a callback land on another
 * instance than the one that started the login.
 */
export class TestLoadBalancer {
  readonly routed: RoutedRequest[] = [];
  route: (method: string, path: string, index: number) => number;
  private readonly server: Server;
  private port = 0;

  private constructor(private readonly instances: () => Upstream[]) {
    this.route = (_method, _path, index) => index % this.instances().length;
    this.server = createServer((req, res) => {
      const path = req.url ?? '/';
      const instance = this.route(req.method ?? 'GET', path, this.routed.length);
      this.routed.push({ method: req.method ?? 'GET', path: path.split('?')[0], instance });
      const target = this.instances()[instance];
      const upstream = httpRequest(
        `${target.origin}${path}`,
        { method: req.method, headers: req.headers, agent: false },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      upstream.on('error', () => {
        res.writeHead(502).end();
      });
      req.pipe(upstream);
    });
  }

  /** Listens on a free port; `instances` is read on every request, so they may be booted afterwards. */
  static async start(instances: () => Upstream[]): Promise<TestLoadBalancer> {
    const balancer = new TestLoadBalancer(instances);
    balancer.server.listen(0, '127.0.0.1');
    await once(balancer.server, 'listening');
    balancer.port = (balancer.server.address() as AddressInfo).port;
    return balancer;
  }

  get origin(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async close(): Promise<void> {
    const closed = once(this.server, 'close');
    this.server.close();
    this.server.closeAllConnections();
    await closed;
  }
}
