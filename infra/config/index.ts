export * from './config';
export * from './declarations';
