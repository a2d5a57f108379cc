// A monitoring storm from a process of its own: `count` alerts for one site from `sources` distinct sources,
// spread over `spanMs`, posted to Lifeline over loopback with fetch (undici). Prints one JSON line:
// the answers per status, the declaration ids answered, how long until the last answer, and the latencies.
const { url, token, siteId, sources, count, spanMs } = JSON.parse(process.env.STORM);

const started = Date.now();
const answers = await Promise.all(
  Array.from({ length: count }, async (_, i) => {
    await new Promise((r) => setTimeout(r, Math.floor((i * spanMs) / count)));
    const source = sources[i % sources.length];
    const t0 = Date.now();
    const res = await fetch(`${url}/v1/declarations`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ siteId, source, severity: 'critical', reason: `${source}: site unreachable (probe ${i})`, evidence: [`https://monitoring.example/${source}/${i}`] }),
    });
    const body = await res.json();
    return { ms: Date.now() - t0, status: res.status, id: body.declarationId ?? null, error: res.status === 202 ? undefined : body };
  }),
);
const statuses = {};
for (const a of answers) statuses[a.status] = (statuses[a.status] ?? 0) + 1;
const errors = answers.filter((a) => a.error).slice(0, 3).map((a) => a.error);
const ms = answers.map((a) => a.ms).sort((a, b) => a - b);
console.log(JSON.stringify({ p50: ms[150], p90: ms[270], max: ms[299], statuses, ids: [...new Set(answers.map((a) => a.id))], sentWithinMs: Date.now() - started, errors }));
