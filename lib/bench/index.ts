/** The benchmark harness behind `efficientnet bench` (not part of the library's API). */
export * from './bench-error';
export * from './machine';
export * from './measure';
export * from './onnx-model';
export * from './onnxruntime';
export * from './peak';
export * from './processes';
export * from './profile-report';
export * from './progress';
export * from './report';
export * from './run-bench';
export * from './stats';
