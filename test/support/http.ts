import { request as httpRequest } from 'node:http';

/** Error bodies must never show how the service is built: no stack frames, source paths or module names. */
export function expectNoInternals(body: string): void {
  expect(body).not.toContain(process.cwd());
  expect(body).not.toMatch(/node_modules|"stack"|\bat \S+ \(|\.[jt]s:\d+/);
}

export interface PlainResponse {
  status: number;
  body: string;
}

/** One GET on a fresh connection (no keep-alive), so a server shutting down has no idle sockets of ours to wait for. */
export function httpGet(url: string, headers: Record<string, string> = {}): Promise<PlainResponse> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: 'GET', agent: false, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}
