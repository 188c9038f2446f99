import { Inject, Injectable } from '@nestjs/common';
import { DiscoveryService, MetadataScanner } from '@nestjs/core';
import { CommandHandler } from './command-handler.decorator.js';
import type { CommandHandler as Handler, CommandHandlers } from './command-handler.js';

/** Finds the methods marked with @CommandHandler on every provider of the application. */
@Injectable()
export class CommandHandlerExplorer {
  constructor(
    @Inject(DiscoveryService) private readonly discovery: DiscoveryService,
    @Inject(MetadataScanner) private readonly scanner: MetadataScanner,
  ) {}

  /** The handlers by command type, bound to their providers; throws when a type has two. */
  explore(): CommandHandlers {
    const handlers: Record<string, Handler> = {};
    for (const wrapper of this.discovery.getProviders()) {
      const instance: unknown = wrapper.instance;
      if (instance === null || typeof instance !== 'object') continue;
      const prototype = Object.getPrototypeOf(instance) as object | null;
      for (const method of this.scanner.getAllMethodNames(prototype)) {
        const commandType = this.discovery.getMetadataByDecorator(CommandHandler, wrapper, method);
        if (commandType === undefined) continue;
        if (handlers[commandType] !== undefined) {
          throw new Error(`two @CommandHandler methods handle ${commandType}`);
        }
        const fn = (instance as Record<string, Handler>)[method]!;
        handlers[commandType] = fn.bind(instance);
      }
    }
    return handlers;
  }
}
