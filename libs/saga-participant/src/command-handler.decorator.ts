import { DiscoveryService } from '@nestjs/core';
import type { CommandHandler as CommandHandlerFunction } from './command-handler.js';

/**
 * Marks a provider method as the handler of one command type, e.g.
 * `@CommandHandler('inventory.reserve') reserve(command, context) { ... }`; the
 * SagaParticipantModule finds it at start-up. The method follows the CommandHandler contract.
 */
export const CommandHandler = DiscoveryService.createDecorator<string>();

/** The type of a handler function (the same name as the decorator, as with Nest's own). */
export type CommandHandler = CommandHandlerFunction;
