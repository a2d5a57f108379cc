import { chooseRecoveryPoint, commonWindow, dataLossReport, VolumeRetention } from '../../domain/recovery-point';

const vol = (volume: string, start: string, end: string, tags: [string, 'application' | 'filesystem', string][]): VolumeRetention => ({
  volume,
  retentionStart: `2026-11-20T${start}:00.000Z`,
  retentionEnd: `2026-11-20T${end}:00.000Z`,
  tags: tags.map(([name, type, at]) => ({ name, type, at: `2026-11-20T${at}:00.000Z` })),
});

const c = vol('C:', '08:00', '12:00', [['app-1', 'application', '09:00'], ['app-2', 'application', '10:00'], ['fs-3', 'filesystem', '11:00'], ['app-4', 'application', '11:30']]);
const d = vol('D:', '08:30', '11:45', [['app-1', 'application', '09:00'], ['app-2', 'application', '10:00'], ['fs-3', 'filesystem', '11:00']]);

describe('recovery point choice', () => {
  it('takes the latest application-consistent tag every volume holds', () => {
    expect(chooseRecoveryPoint([c, d], { kind: 'latest-app-consistent' })).toEqual({
      ok: true,
      point: { kind: 'tag', tag: 'app-2', tagType: 'application', at: '2026-11-20T10:00:00.000Z' },
    });
  });

  it('takes the latest time every volume covers', () => {
    expect(commonWindow([c, d])).toEqual({ start: '2026-11-20T08:30:00.000Z', end: '2026-11-20T11:45:00.000Z' });
    expect(chooseRecoveryPoint([c, d], { kind: 'latest-common-time' })).toEqual({ ok: true, point: { kind: 'time', at: '2026-11-20T11:45:00.000Z' } });
  });

  it('takes the latest common tag before a given time', () => {
    const r = chooseRecoveryPoint([c, d], { kind: 'tag-before', before: '2026-11-20T09:59:00.000Z' });
    expect(r).toEqual({ ok: true, point: { kind: 'tag', tag: 'app-1', tagType: 'application', at: '2026-11-20T09:00:00.000Z' } });
  });

  it('accepts a specific time only inside the common window', () => {
    expect(chooseRecoveryPoint([c, d], { kind: 'time', at: '2026-11-20T10:15:00Z' })).toEqual({ ok: true, point: { kind: 'time', at: '2026-11-20T10:15:00.000Z' } });
    const r = chooseRecoveryPoint([c, d], { kind: 'time', at: '2026-11-20T08:15:00Z' });
    expect(r).toEqual({ ok: false, reason: '2026-11-20T08:15:00Z is outside the common retention window 2026-11-20T08:30:00.000Z .. 2026-11-20T11:45:00.000Z' });
  });

  it('reports a VM without such a point', () => {
    const e = vol('E:', '08:00', '12:00', [['fs-3', 'filesystem', '11:00']]);
    expect(chooseRecoveryPoint([c, e], { kind: 'latest-app-consistent' })).toEqual({ ok: false, reason: 'no application-consistent tag common to all 2 volumes within the retention window' });
    const late = vol('F:', '12:30', '13:00', []);
    expect(chooseRecoveryPoint([c, late], { kind: 'latest-common-time' })).toEqual({ ok: false, reason: 'the volumes have no retention window in common' });
    expect(chooseRecoveryPoint([], { kind: 'latest-common-time' })).toEqual({ ok: false, reason: 'no replicated volume' });
  });

  it('ignores a tag that has aged out of a volume window', () => {
    const aged = vol('G:', '09:30', '12:00', [['app-1', 'application', '09:00'], ['app-2', 'application', '10:00']]);
    const r = chooseRecoveryPoint([c, aged], { kind: 'tag-before', before: '2026-11-20T09:45:00.000Z' });
    expect(r.ok).toBe(false);
  });
});

describe('dataLossReport', () => {
  it('states per VM the seconds between its recovery point and the last write to keep, and the largest', () => {
    const report = dataLossReport(
      { a: { kind: 'tag', tag: 'final', at: '2026-01-01T00:00:00.000Z' }, b: { kind: 'time', at: '2026-01-01T00:00:00.000Z' } },
      (vm) => (vm === 'a' ? '2026-01-01T00:00:00.000Z' : '2026-01-01T00:01:30.000Z'),
    );
    expect(report.recoveryPoints).toEqual({
      a: { kind: 'tag', tag: 'final', at: '2026-01-01T00:00:00.000Z', dataLossSeconds: 0 },
      b: { kind: 'time', at: '2026-01-01T00:00:00.000Z', dataLossSeconds: 90 },
    });
    expect(report.dataLossSeconds).toBe(90);
    expect(dataLossReport({}, () => '2026-01-01T00:00:00.000Z').dataLossSeconds).toBeNull();
  });
});
