import {
  Controller,
  Get,
  HttpStatus,
  Inject,
  NotFoundException,
  Param,
  UsePipes,
} from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import {
  PARTICIPANT_HEALTH,
  type ParticipantHealth,
  type ParticipantView,
} from '../resilience/participant-health.js';
import { ApiProblems } from './api-problems.decorator.js';
import { participantNameSchema } from './request-schemas.js';
import { participantViewSchema } from './response-schemas.js';
import { SchemaValidationPipe } from './schema-validation.pipe.js';
import { RequireRole } from './route-access.js';

/** The participants' circuit breakers and load: `GET /participants`, `GET /participants/:name`. */
@ApiTags('participants')
@RequireRole('read')
@Controller('participants')
@UsePipes(SchemaValidationPipe)
export class ParticipantsController {
  constructor(@Inject(PARTICIPANT_HEALTH) private readonly health: ParticipantHealth) {}

  @Get()
  @ApiOperation({
    summary: "Every participant: its breaker's state and counts, commands in flight and held",
  })
  @ApiResponse({ status: HttpStatus.OK, standardSchema: z.array(participantViewSchema) })
  list(): Promise<ParticipantView[]> {
    return this.health.list();
  }

  @Get(':name')
  @ApiOperation({ summary: 'One participant, with its latest breaker changes' })
  @ApiResponse({ status: HttpStatus.OK, standardSchema: participantViewSchema })
  @ApiProblems(400, 404)
  async get(
    @Param('name', { schema: participantNameSchema }) name: string,
  ): Promise<ParticipantView> {
    const view = await this.health.get(name);
    if (!view) throw new NotFoundException(`no saga commands a participant named "${name}"`);
    return view;
  }
}
