/** The architecture as data: variants, block strings, scaling, parameter names, summaries (lowering to a plan is lib/plan/). */
export * from './variants';
export * from './block-string';
export * from './scaling';
export * from './spec';
export * from './params';
export * from './padding';
export * from './summary';
