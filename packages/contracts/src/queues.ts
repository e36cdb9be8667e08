/** BullMQ queue names: the worker consumes them, the api's dashboard and the bench inspect them. */
export const QUEUES = {
  steps: 'steps',
} as const;

export type QueueName = (typeof QUEUES)[keyof typeof QUEUES];
