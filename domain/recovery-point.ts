/**
 * Choosing the point a VM is recovered to (Cisco DRaaS guide, ch. 4 "Recovery Workflows"): InMage keeps
 * continuous changes over a retention window per volume, with application- and file-system-consistent tags
 * marked in the stream. A VM can only be recovered to a point every one of its volumes holds.
 */
export type RecoveryPointRequest =
  | { kind: 'latest-app-consistent' }
  | { kind: 'latest-common-time' }
  | { kind: 'tag-before'; before: string }
  | { kind: 'time'; at: string };

export interface ConsistencyTag {
  name: string;
  type: 'application' | 'filesystem';
  at: string;
}

export interface VolumeRetention {
  volume: string;
  retentionStart: string;
  retentionEnd: string;
  tags: ConsistencyTag[];
}

export type RecoveryPoint = { kind: 'tag'; tag: string; tagType: ConsistencyTag['type']; at: string } | { kind: 'time'; at: string };

export type RecoveryPointChoice = { ok: true; point: RecoveryPoint } | { ok: false; reason: string };

const ms = (iso: string) => Date.parse(iso);

/** The window every volume covers: [latest start, earliest end], or null when they do not overlap. */
export function commonWindow(volumes: VolumeRetention[]): { start: string; end: string } | null {
  if (volumes.length === 0) return null;
  let start = volumes[0].retentionStart;
  let end = volumes[0].retentionEnd;
  for (const v of volumes) {
    if (ms(v.retentionStart) > ms(start)) start = v.retentionStart;
    if (ms(v.retentionEnd) < ms(end)) end = v.retentionEnd;
  }
  return ms(start) <= ms(end) ? { start, end } : null;
}

/** Application-consistent tags present on every volume, at one instant, latest first. */
function commonAppTags(volumes: VolumeRetention[]): ConsistencyTag[] {
  const [first, ...rest] = volumes;
  const common = first.tags.filter(
    (tag) => tag.type === 'application' && rest.every((v) => v.tags.some((t) => t.name === tag.name && t.type === 'application' && ms(t.at) === ms(tag.at))),
  );
  return common.sort((a, b) => ms(b.at) - ms(a.at) || (a.name < b.name ? -1 : 1));
}

export function chooseRecoveryPoint(volumes: VolumeRetention[], request: RecoveryPointRequest): RecoveryPointChoice {
  if (volumes.length === 0) return { ok: false, reason: 'no replicated volume' };
  const window = commonWindow(volumes);
  if (!window) return { ok: false, reason: 'the volumes have no retention window in common' };
  const inWindow = (at: string) => ms(at) >= ms(window.start) && ms(at) <= ms(window.end);

  switch (request.kind) {
    case 'latest-common-time':
      return { ok: true, point: { kind: 'time', at: window.end } };
    case 'time':
      if (Number.isNaN(ms(request.at))) return { ok: false, reason: `not a time: ${request.at}` };
      if (!inWindow(request.at)) return { ok: false, reason: `${request.at} is outside the common retention window ${window.start} .. ${window.end}` };
      return { ok: true, point: { kind: 'time', at: new Date(ms(request.at)).toISOString() } };
    case 'latest-app-consistent':
    case 'tag-before': {
      const limit = request.kind === 'tag-before' ? ms(request.before) : Infinity;
      if (Number.isNaN(limit)) return { ok: false, reason: `not a time: ${(request as { before: string }).before}` };
      const tag = commonAppTags(volumes).find((t) => ms(t.at) <= limit && inWindow(t.at));
      if (!tag) {
        const when = request.kind === 'tag-before' ? ` before ${request.before}` : '';
        return { ok: false, reason: `no application-consistent tag common to all ${volumes.length} volumes${when} within the retention window` };
      }
      return { ok: true, point: { kind: 'tag', tag: tag.name, tagType: tag.type, at: tag.at } };
    }
  }
}

/**
 * The report of the points VMs were recovered to: per VM the point, and the seconds of writes between it and
 * `keptUntil` (the last write the operation had to keep: a final tag's time, or a disaster's declaration),
 * and the largest of those (null without VMs).
 */
export function dataLossReport<P extends { kind: string; at: string; tag?: string }>(
  points: Record<string, P>,
  keptUntil: (vm: string) => string,
): { recoveryPoints: Record<string, P & { dataLossSeconds: number }>; dataLossSeconds: number | null } {
  const recoveryPoints: Record<string, P & { dataLossSeconds: number }> = {};
  let worst: number | null = null;
  for (const [vm, point] of Object.entries(points)) {
    const lost = Math.max(0, (ms(keptUntil(vm)) - ms(point.at)) / 1000);
    recoveryPoints[vm] = { ...point, dataLossSeconds: lost };
    worst = Math.max(worst ?? 0, lost);
  }
  return { recoveryPoints, dataLossSeconds: worst };
}
