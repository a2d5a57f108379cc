/**
 * Alerts for one scope travel to its declaration workflow together: while one signal for the scope is in
 * flight, the alerts arriving meanwhile gather and leave as the next one. A storm of hundreds of alerts is
 * then a handful of signals, each alert answered as soon as the signal carrying it is delivered.
 */
export class AlertBatcher<T, R> {
  private readonly scopes = new Map<string, { next: T[] | null; sending: Promise<void> | null; waiters: ((r: Promise<R>) => void)[] }>();

  constructor(private readonly send: (key: string, items: T[]) => Promise<R>) {}

  add(key: string, item: T): Promise<R> {
    let scope = this.scopes.get(key);
    if (!scope) {
      scope = { next: null, sending: null, waiters: [] };
      this.scopes.set(key, scope);
    }
    const s = scope;
    (s.next ??= []).push(item);
    const answer = new Promise<R>((resolve, reject) => s.waiters.push((r) => r.then(resolve, reject)));
    if (!s.sending) this.drain(key, s);
    return answer;
  }

  private drain(key: string, s: { next: T[] | null; sending: Promise<void> | null; waiters: ((r: Promise<R>) => void)[] }): void {
    const items = s.next;
    const waiters = s.waiters;
    if (!items) {
      s.sending = null;
      this.scopes.delete(key);
      return;
    }
    s.next = null;
    s.waiters = [];
    const result = this.send(key, items);
    for (const w of waiters) w(result);
    s.sending = result.then(() => undefined, () => undefined).then(() => this.drain(key, s));
  }
}
