import { Kafka, type KafkaConfig } from 'kafkajs';
import { stopKafkajsIdleLoop } from './kafkajs-idle-loop.js';
import { leanKafkajsRecords } from './kafkajs-record-encoder.js';

/**
 * A kafkajs client, with kafkajs's idle loop stopped (stopKafkajsIdleLoop) and its records
 * encoded without an allocation per header (leanKafkajsRecords): every kafkajs client of the
 * project, the bench's included, is made here.
 */
export function kafkaClient(config: KafkaConfig): Kafka {
  stopKafkajsIdleLoop();
  leanKafkajsRecords();
  return new Kafka(config);
}
