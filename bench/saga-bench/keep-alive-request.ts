import { Agent, request } from 'node:http';

/** An answer's status and text. */
export interface Answer {
  readonly status: number;
  readonly text: string;
}

/**
 * An HTTP agent that keeps its connections. Given a timeout, Node's agent closes an idle one a
 * second before the server's announced keep-alive timeout (without one it ignores that hint, and
 * a request sent on a connection the server is closing is reset: `ECONNRESET`).
 */
export function keepAliveAgent(): Agent {
  return new Agent({ keepAlive: true, timeout: 60_000 });
}

/**
 * Sends one request with `node:http` (the bench's clients share the machine with what they
 * measure, and `fetch`, with its WHATWG streams, costs them half as much CPU again): a JSON
 * `body`, when given, with its length.
 */
export function send(
  agent: Agent,
  url: string,
  method: 'GET' | 'POST',
  headers: Record<string, string>,
  body?: string,
): Promise<Answer> {
  const sent: Record<string, string | number> = { ...headers };
  if (body !== undefined) {
    sent['content-type'] = 'application/json';
    sent['content-length'] = Buffer.byteLength(body);
  }
  return new Promise((resolve, reject) => {
    const outgoing = request(url, { method, agent, headers: sent }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('error', reject);
      response.on('end', () =>
        resolve({ status: response.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }),
      );
    });
    outgoing.on('error', reject);
    outgoing.end(body);
  });
}
