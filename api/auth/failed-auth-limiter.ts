import { Inject, Injectable } from '@nestjs/common';
import type { LifelineConfig } from '../../infra/config';
import { LIFELINE_CONFIG } from '../config.module';

interface Window {
  startedAt: number;
  failures: number;
}

/**
 * Failed authentications per client address in a fixed window. An address past the limit is refused
 * (429) until its window ends, without its tokens being checked, so guessing tokens cannot go faster
 * than the limit. Addresses whose window ended are forgotten, so the map stays as small as the traffic.
 */
@Injectable()
export class FailedAuthLimiter {
  private readonly windows = new Map<string, Window>();
  private readonly windowMs: number;

  constructor(@Inject(LIFELINE_CONFIG) private readonly config: LifelineConfig) {
    this.windowMs = config.authFailureWindowSeconds * 1000;
  }

  /** Seconds until the address may try again, or 0 when it may try now. */
  refusedFor(address: string, now = Date.now()): number {
    const w = this.current(address, now);
    return w && w.failures >= this.config.authFailureLimit ? Math.ceil((w.startedAt + this.windowMs - now) / 1000) : 0;
  }

  failed(address: string, now = Date.now()): void {
    const w = this.current(address, now) ?? { startedAt: now, failures: 0 };
    w.failures++;
    this.windows.set(address, w);
  }

  private current(address: string, now: number): Window | undefined {
    if (this.windows.size > 10_000) this.forgetEnded(now);
    const w = this.windows.get(address);
    if (w && now - w.startedAt >= this.windowMs) {
      this.windows.delete(address);
      return undefined;
    }
    return w;
  }

  private forgetEnded(now: number): void {
    for (const [address, w] of this.windows) if (now - w.startedAt >= this.windowMs) this.windows.delete(address);
  }
}
