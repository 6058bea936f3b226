/** Weights: safetensors reader/writer, PyTorch .pth reader, key maps, checks, BN folding, seeded weights. */
export * from './safetensors';
export { parsePth, isPth, CHECKPOINT_KEYS } from './pth';
export { PICKLE_LIMITS } from './pickle';
export { ZIP_LIMITS } from './zip';
export * from './key-maps';
export * from './resolve';
export * from './fold';
export * from './seeded';
export * from './sources';
export * from './cache';
export * from './fetch';
export * from './pretrained';
