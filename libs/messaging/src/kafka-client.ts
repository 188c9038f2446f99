import { Kafka, type KafkaConfig } from 'kafkajs';
import { stopKafkajsIdleLoop } from './kafkajs-idle-loop.js';

/**
 * A kafkajs client, with kafkajs's idle loop stopped (stopKafkajsIdleLoop): every kafkajs
 * client of the project, the bench's included, is made here.
 */
export function kafkaClient(config: KafkaConfig): Kafka {
  stopKafkajsIdleLoop();
  return new Kafka(config);
}
