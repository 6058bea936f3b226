/**
 * The plan stage: the plan handed to the native core (types), lowering an architecture and its
 * folded weights to one (lower), and compiling it into a native model (compile).
 */
export * from './types';
export * from './lower';
export * from './compile';
export * from './run';
