import { Controller, Get, Inject, NotFoundException, Param, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { COORDINATOR_CONFIG } from '../common/core-tokens.js';
import type { CoordinatorConfig } from '../config/coordinator-config.js';
import { PublicRoute } from '../http/route-access.js';
import { ConsoleAssetCache, consoleAssetsFolder } from './console-assets.js';

/** Where the console is served. */
export const CONSOLE_PATH = '/ui';

/** What the console's page reads before anything else, from `GET /ui/config.json`. */
export interface ConsolePageConfig {
  /** The API refuses callers without credentials: the page asks for a key or a token first. */
  readonly authRequired: boolean;
  /** A saga's trace link, `{traceId}` standing for its trace id; null: no link. */
  readonly traceUrlTemplate: string | null;
}

/**
 * The page may load only its own script and style and talk only to this origin; it is never
 * framed. Its API calls carry the credentials the operator typed, never a cookie.
 */
const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; " +
    "img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cache-Control': 'no-cache',
};

/**
 * The operator console: its static files at `/ui/` and its settings at `/ui/config.json`, open
 * to anyone (they hold no data; the page's API calls need credentials like any other client's).
 */
@ApiExcludeController()
@Controller(CONSOLE_PATH.slice(1))
@PublicRoute()
export class ConsoleController {
  private readonly assets = new ConsoleAssetCache(consoleAssetsFolder());

  constructor(@Inject(COORDINATOR_CONFIG) private readonly config: CoordinatorConfig) {}

  /** The page; `/ui` is sent on to `/ui/` so that its relative links resolve under `/ui/`. */
  @Get()
  async index(@Req() request: Request, @Res() response: Response): Promise<void> {
    if (!request.path.endsWith('/')) {
      response.redirect(301, `${CONSOLE_PATH}/`);
      return;
    }
    await this.send(request, response, 'index.html');
  }

  /** The settings the page needs: whether to ask for credentials, and the trace link. */
  @Get('config.json')
  settings(@Res({ passthrough: true }) response: Response): ConsolePageConfig {
    response.set(SECURITY_HEADERS);
    return {
      authRequired: this.config.security.auth.mode === 'closed',
      traceUrlTemplate: this.config.console.traceUrlTemplate ?? null,
    };
  }

  /** One of the built files (script, style, licences); 404 for any other name. */
  @Get(':file')
  async asset(
    @Param('file') file: string,
    @Req() request: Request,
    @Res() response: Response,
  ): Promise<void> {
    await this.send(request, response, file);
  }

  /**
   * Sends a built file, or a 404 (in the API's error shape, by its exception filter) that does
   * not repeat the name asked for, the caller's text; both with the page's security headers.
   * The file's `ETag` lets a browser, which revalidates it (`no-cache`), get a 304 instead of
   * the file again (the API's answers carry none: configureHttp).
   */
  private async send(request: Request, response: Response, name: string): Promise<void> {
    const asset = await this.assets.get(name);
    response.set(SECURITY_HEADERS);
    if (asset === undefined) {
      throw new NotFoundException(
        name === 'index.html'
          ? 'the console is not built: run npm run build'
          : 'no such console file',
      );
    }
    response.set('ETag', asset.etag);
    // Express's freshness check: a GET or HEAD whose If-None-Match names this ETag.
    if (request.fresh) {
      response.status(304).end();
      return;
    }
    response.type(asset.contentType).send(asset.body);
  }
}
