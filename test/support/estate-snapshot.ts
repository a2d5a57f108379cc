/**
 * The tenant's part of the estate, without what only records history: the clock, the ops log position,
 * task and job logs, change requests, closed tickets (the record of what an operation told the tenant),
 * and timestamps.
 */
export function estateOf(state: unknown): unknown {
  const { now: _n, opsLogged: _o, faults: _f, timeScale: _t, ...rest } = state as Record<string, Record<string, unknown>>;
  const { tasks: _tasks, changeRequests: _changes, ...clm } = rest.clm;
  const { jobs: _bnaJobs, ...bna } = rest.bna;
  const { jobs: _inmageJobs, ...inmage } = rest.inmage;
  const mgmt = { ...rest.mgmt, tickets: ((rest.mgmt.tickets ?? []) as { status: string }[]).filter((x) => x.status !== 'closed') };
  const strip = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(strip);
    if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).filter(([k]) => !/At$/.test(k)).map(([k, x]) => [k, strip(x)]));
    return v;
  };
  return strip({ ...rest, clm, bna, inmage, mgmt });
}
