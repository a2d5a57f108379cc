import { Global, Inject, Injectable, Logger, Module, type OnApplicationShutdown } from '@nestjs/common';
import { Client, Connection } from '@temporalio/client';
import type { LifelineConfig } from '../../infra/config';
import { LIFELINE_CONFIG } from '../config.module';

/**
 * The API's Temporal client. The connection opens on first use (the API boots and serves the inventory
 * while Temporal is still starting) and closes when the app shuts down.
 */
@Injectable()
export class TemporalClientService implements OnApplicationShutdown {
  private readonly logger = new Logger(TemporalClientService.name);
  private connecting?: Promise<Connection>;
  private clientPromise?: Promise<Client>;

  constructor(@Inject(LIFELINE_CONFIG) private readonly config: LifelineConfig) {}

  get namespace(): string {
    return this.config.temporalNamespace;
  }

  get taskQueue(): string {
    return this.config.temporalTaskQueue;
  }

  /** The shared connection; a failed attempt is forgotten so the next call retries. */
  connection(): Promise<Connection> {
    this.connecting ??= Connection.connect({ address: this.config.temporalAddress, connectTimeout: 3_000 }).catch((err: unknown) => {
      this.connecting = undefined;
      throw err;
    });
    return this.connecting;
  }

  client(): Promise<Client> {
    this.clientPromise ??= this.connection().then(
      (connection) => new Client({ connection, namespace: this.config.temporalNamespace }),
      (err: unknown) => {
        this.clientPromise = undefined;
        throw err;
      },
    );
    return this.clientPromise;
  }

  /** The server's system info (the health check's probe); fails within `timeoutMs`. */
  async systemInfo(timeoutMs = 3_000): Promise<{ serverVersion: string }> {
    const connection = await this.connection();
    const info = await connection.withDeadline(Date.now() + timeoutMs, () => connection.workflowService.getSystemInfo({}));
    return { serverVersion: info.serverVersion ?? 'unknown' };
  }

  async onApplicationShutdown(): Promise<void> {
    const pending = this.connecting;
    this.connecting = undefined;
    this.clientPromise = undefined;
    if (!pending) return;
    try {
      await (await pending).close();
    } catch (err) {
      this.logger.debug(`Temporal connection was not open: ${String(err)}`);
    }
  }
}

@Global()
@Module({ providers: [TemporalClientService], exports: [TemporalClientService] })
export class TemporalModule {}
