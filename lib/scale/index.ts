/**
 * Scale-out on Redis with BullMQ: the worker (`efficientnet worker`) and the producer API. Needs
 * the optional peer dependency bullmq.
 */
export { startQueueWorker, type QueueWorker, type QueueWorkerOptions, type WorkerEvent } from './worker';
export { createProducer, type Producer, type ProducerOptions, type JobImage, type ManyItem } from './producer';
export type { ImageRef, JobData, ClassifyJobData, EmbedJobData, ClassifyResult, EmbedResult } from './jobs';
