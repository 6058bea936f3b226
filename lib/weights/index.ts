/** Weights: safetensors reader/writer, key maps, checks, BN folding, seeded weights. */
export * from './safetensors';
export * from './key-maps';
export * from './resolve';
export * from './fold';
export * from './seeded';
