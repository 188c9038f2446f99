// A TCP proxy in front of Postgres that can freeze: it stops forwarding without closing a
// socket, as a half-open connection or a hung network path would look to the client.
import { createServer, connect, type Server, type Socket } from 'node:net';

/** A running proxy; `port` listens on 127.0.0.1. */
export interface FreezableProxy {
  readonly port: number;
  /**
   * Stops forwarding in both directions on every connection open now, closing nothing (a
   * half-open socket); connections opened later are forwarded (the network path is back).
   */
  freeze(): void;
  /** Forwards again (what was held is delivered). */
  unfreeze(): void;
  /** Connections accepted so far. */
  connections(): number;
  /** Destroys every connection and stops listening. */
  close(): Promise<void>;
}

/** Starts a proxy to `target` (host and port of the real server). */
export async function startFreezableProxy(target: {
  host: string;
  port: number;
}): Promise<FreezableProxy> {
  const sockets = new Set<Socket>();
  let accepted = 0;
  const track = (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
  };
  const server: Server = createServer((client) => {
    accepted++;
    const upstream = connect(target.port, target.host);
    track(client);
    track(upstream);
    // Forwarding by hand: pause() then holds the bytes until resume().
    client.on('data', (chunk) => upstream.write(chunk));
    upstream.on('data', (chunk) => client.write(chunk));
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('the proxy has no port');
  return {
    port: address.port,
    freeze() {
      for (const socket of sockets) socket.pause();
    },
    unfreeze() {
      for (const socket of sockets) socket.resume();
    },
    connections: () => accepted,
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
