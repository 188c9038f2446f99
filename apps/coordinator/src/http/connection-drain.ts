import type { Server } from 'node:http';
import type { NextFunction, Request, Response } from 'express';

/** How long connections still busy at shutdown may finish their requests before they are cut. */
export const CONNECTION_DRAIN_MS = 10_000;

/**
 * Ends the HTTP server's keep-alive connections at shutdown. `server.close()` only stops new
 * connections and closes those idle at that instant: a client that sends its next request on a
 * kept-alive connection before it is ever idle (a pooled agent posting starts, a console page
 * polling) held it open for good, and the shutdown never reached the consumers. Once `begin` is
 * called, every answer says `Connection: close`, so each connection closes after its request in
 * hand (the client opens its next one elsewhere); idle ones close at once, and any left after
 * CONNECTION_DRAIN_MS are cut.
 */
export class ConnectionDrain {
  private closing = false;

  /** Express middleware: once draining, every answer closes its connection. */
  readonly middleware = (_request: Request, response: Response, next: NextFunction): void => {
    if (this.closing) response.setHeader('Connection', 'close');
    next();
  };

  /** Starts draining `server`'s connections (call before closing it). */
  begin(server: Server, drainMs = CONNECTION_DRAIN_MS): void {
    if (this.closing) return;
    this.closing = true;
    server.closeIdleConnections();
    setTimeout(() => server.closeAllConnections(), drainMs).unref();
  }
}
