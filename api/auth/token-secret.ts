import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** 32 random bytes: brute force is hopeless, so an unsalted SHA-256 is a sound way to store it. */
export function newTokenSecret(): string {
  return `ll_${randomBytes(32).toString('base64url')}`;
}

export function hashToken(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

/** Constant-time comparison of two hex digests. */
export function sameHash(a: string, b: string): boolean {
  const x = Buffer.from(a, 'hex');
  const y = Buffer.from(b, 'hex');
  return x.length === y.length && timingSafeEqual(x, y);
}
