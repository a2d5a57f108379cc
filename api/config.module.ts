import { Global, Module, type DynamicModule } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import type { LifelineConfig } from '../infra/config';

/** Injection token of the validated, typed LifelineConfig. */
export const LIFELINE_CONFIG = Symbol('LIFELINE_CONFIG');

/**
 * The config is validated by `loadConfig` before Nest starts; @nestjs/config serves it as the `lifeline`
 * namespace (ConfigService.get('lifeline')) and LIFELINE_CONFIG serves it typed.
 */
@Global()
@Module({})
export class LifelineConfigModule {
  static forRoot(config: LifelineConfig): DynamicModule {
    return {
      module: LifelineConfigModule,
      imports: [ConfigModule.forRoot({ ignoreEnvFile: true, isGlobal: true, load: [() => ({ lifeline: config })] })],
      providers: [{ provide: LIFELINE_CONFIG, useValue: config }],
      exports: [LIFELINE_CONFIG],
    };
  }
}
