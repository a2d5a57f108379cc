import { plainToInstance, Transform, Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Matches, Max, Min, MinLength, validateSync } from 'class-validator';
import { declarationConfigProblems, NO_DECLARATION_CONFIG, readDeclarationConfig, type DeclarationConfig } from './declarations';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/**
 * Typed configuration shared by the API and the worker. Read from the environment once at boot,
 * validated, then passed around as a plain object (never re-read from process.env).
 */
export interface LifelineConfig {
  port: number;
  host: string;
  /** Where the embedded SQLite database lives when no MYSQL_URL is given. */
  dataDir: string;
  /** mysql://user:pass@host:port/db; when set, the inventory lives in MySQL/MariaDB. */
  mysqlUrl?: string;
  temporalAddress: string;
  temporalNamespace: string;
  temporalTaskQueue: string;
  /** Bootstrap provider-admin bearer token; generated and logged once when unset. */
  adminToken?: string;
  logLevel: LogLevel;
  simUrl?: string;
  /** JSON file with each provider system's endpoint (base URL, credentials, TLS); else the simulator at SIM_URL. */
  estateConfigFile?: string;
  /** `npm start`: seed the demo scenario into an empty inventory. */
  demo: boolean;
  /** `npm start`: the embedded simulator's time scale (real-world seconds × scale). */
  simTimeScale: number;
  /** /metrics without a token (a scraper on a private network); else a provider token is required. */
  metricsPublic: boolean;
  /** Failed authentications a client address may make per window before it is refused (429) for the window. */
  authFailureLimit: number;
  authFailureWindowSeconds: number;
  /** Disaster declarations: each trigger source's webhook secret and the Alertmanager label rules (DECLARATION_CONFIG file). */
  declarations: DeclarationConfig;
  /** The protection watch: seconds between samples, how long a VM may stay over its RPO before a breach, history kept. */
  protectionWatch: ProtectionWatchSettings;
}

export interface ProtectionWatchSettings {
  sampleSeconds: number;
  graceSeconds: number;
  /** Samples kept per tenant (the recent history the API shows); a day at the default interval. */
  historySamples: number;
}

const emptyToUndefined = ({ value }: { value: unknown }) => (value === '' ? undefined : value);

/** The environment as it must look; each key's rule is stated once here. */
class EnvironmentSchema {
  @IsOptional() @Transform(emptyToUndefined) @Type(() => Number) @IsInt() @Min(0) @Max(65535)
  PORT?: number;

  @IsOptional() @Transform(emptyToUndefined) @IsString()
  HOST?: string;

  @IsOptional() @Transform(emptyToUndefined) @IsString()
  DATA_DIR?: string;

  @IsOptional() @Transform(emptyToUndefined) @Matches(/^mysql:\/\/[^/\s]+\/[A-Za-z0-9_$]+(\?.*)?$/, {
    message: 'MYSQL_URL must look like mysql://user:password@host:port/database',
  })
  MYSQL_URL?: string;

  @IsOptional() @Transform(emptyToUndefined) @Matches(/^[^\s:]+:\d+$/, { message: 'TEMPORAL_ADDRESS must be host:port' })
  TEMPORAL_ADDRESS?: string;

  @IsOptional() @Transform(emptyToUndefined) @IsString()
  TEMPORAL_NAMESPACE?: string;

  @IsOptional() @Transform(emptyToUndefined) @IsString()
  TEMPORAL_TASK_QUEUE?: string;

  @IsOptional() @Transform(emptyToUndefined) @IsString() @MinLength(16, { message: 'LIFELINE_ADMIN_TOKEN must be at least 16 characters' })
  LIFELINE_ADMIN_TOKEN?: string;

  @IsOptional() @Transform(emptyToUndefined) @IsIn(LOG_LEVELS)
  LOG_LEVEL?: LogLevel;

  @IsOptional() @Transform(emptyToUndefined) @Matches(/^https?:\/\/\S+$/, { message: 'SIM_URL must be an http(s) URL' })
  SIM_URL?: string;

  @IsOptional() @Transform(emptyToUndefined) @IsString()
  ESTATE_CONFIG?: string;

  @IsOptional() @Transform(emptyToUndefined) @IsIn(['true', 'false', '1', '0'], { message: 'DEMO must be true or false' })
  DEMO?: string;

  @IsOptional() @Transform(emptyToUndefined) @Type(() => Number) @Min(0) @Max(1)
  SIM_TIME_SCALE?: number;

  @IsOptional() @Transform(emptyToUndefined) @IsIn(['true', 'false', '1', '0'], { message: 'METRICS_PUBLIC must be true or false' })
  METRICS_PUBLIC?: string;

  @IsOptional() @Transform(emptyToUndefined) @Type(() => Number) @IsInt() @Min(1) @Max(1_000_000)
  AUTH_FAILURE_LIMIT?: number;

  @IsOptional() @Transform(emptyToUndefined) @Type(() => Number) @IsInt() @Min(1) @Max(86_400)
  AUTH_FAILURE_WINDOW_SECONDS?: number;
  @IsOptional() @Transform(emptyToUndefined) @IsString()
  DECLARATION_CONFIG?: string;
  @IsOptional() @Transform(emptyToUndefined) @Type(() => Number) @Min(0.1) @Max(86400)
  PROTECTION_SAMPLE_SECONDS?: number;

  @IsOptional() @Transform(emptyToUndefined) @Type(() => Number) @Min(0) @Max(604800)
  PROTECTION_GRACE_SECONDS?: number;

  @IsOptional() @Transform(emptyToUndefined) @Type(() => Number) @IsInt() @Min(1) @Max(100000)
  PROTECTION_HISTORY_SAMPLES?: number;
}

export class ConfigValidationError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration: ${problems.join('; ')}`);
  }
}

/** Validates the environment (plus explicit overrides, which win) and returns the typed config. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, overrides: Partial<LifelineConfig> = {}): LifelineConfig {
  const parsed = plainToInstance(EnvironmentSchema, { ...env }, { excludeExtraneousValues: false });
  const errors = validateSync(parsed, { whitelist: true, forbidUnknownValues: false });
  if (errors.length > 0) {
    throw new ConfigValidationError(errors.flatMap((e) => Object.values(e.constraints ?? {})));
  }
  const declarations = parsed.DECLARATION_CONFIG ? readDeclarationConfig(parsed.DECLARATION_CONFIG) : { config: NO_DECLARATION_CONFIG, problems: [] };
  const declarationProblems = overrides.declarations ? declarationConfigProblems(overrides.declarations) : declarations.problems;
  if (declarationProblems.length > 0) throw new ConfigValidationError(declarationProblems);
  const config: LifelineConfig = {
    port: parsed.PORT ?? 8080,
    host: parsed.HOST ?? '127.0.0.1',
    dataDir: parsed.DATA_DIR ?? './.data',
    mysqlUrl: parsed.MYSQL_URL,
    temporalAddress: parsed.TEMPORAL_ADDRESS ?? '127.0.0.1:7233',
    temporalNamespace: parsed.TEMPORAL_NAMESPACE ?? 'default',
    temporalTaskQueue: parsed.TEMPORAL_TASK_QUEUE ?? 'lifeline',
    adminToken: parsed.LIFELINE_ADMIN_TOKEN,
    logLevel: parsed.LOG_LEVEL ?? 'info',
    simUrl: parsed.SIM_URL,
    estateConfigFile: parsed.ESTATE_CONFIG,
    demo: parsed.DEMO === undefined ? true : parsed.DEMO === 'true' || parsed.DEMO === '1',
    simTimeScale: parsed.SIM_TIME_SCALE ?? 0.01,
    metricsPublic: parsed.METRICS_PUBLIC === 'true' || parsed.METRICS_PUBLIC === '1',
    authFailureLimit: parsed.AUTH_FAILURE_LIMIT ?? 20,
    authFailureWindowSeconds: parsed.AUTH_FAILURE_WINDOW_SECONDS ?? 60,
    declarations: declarations.config ?? NO_DECLARATION_CONFIG,
    protectionWatch: {
      sampleSeconds: parsed.PROTECTION_SAMPLE_SECONDS ?? 60,
      graceSeconds: parsed.PROTECTION_GRACE_SECONDS ?? 300,
      historySamples: parsed.PROTECTION_HISTORY_SAMPLES ?? 1440,
    },
  };
  // A key present in the overrides wins, even when its value is undefined (e.g. `mysqlUrl: undefined` forces SQLite).
  return { ...config, ...overrides };
}
