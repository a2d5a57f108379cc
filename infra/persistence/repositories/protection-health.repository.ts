import type { EntityManager, EntityTarget, FindOptionsWhere, ObjectLiteral } from 'typeorm';
import { IsNull, LessThan } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import { ProtectionBreachEntity, ProtectionSampleEntity, ProtectionStatusEntity } from '../entities';

/**
 * Protection health written by the protection watch and read by the API and the metrics: each tenant's latest
 * sample, a bounded history of samples, and breaches. Every write is keyed (tenant, sample id, breach id), so
 * an activity retried, or a watch replayed, writes the same rows again.
 */
export abstract class ProtectionHealthRepository {
  /** Overwrites the tenant's latest status and adds the sample to its history, keeping the newest `keep` samples. */
  abstract saveSample(status: ProtectionStatusEntity, sample: ProtectionSampleEntity, keep: number): Promise<void>;
  abstract saveBreach(breach: ProtectionBreachEntity): Promise<void>;
  abstract status(tenantId: string): Promise<ProtectionStatusEntity | null>;
  /** Marks the tenant's watch stopped (its last sample stays, as it was). */
  abstract stopWatch(tenantId: string, tenantState: string): Promise<void>;
  /** Newest first. */
  abstract samples(tenantId: string, limit: number): Promise<ProtectionSampleEntity[]>;
  abstract openBreaches(tenantId: string): Promise<ProtectionBreachEntity[]>;
  /** Newest first, open or cleared. */
  abstract recentBreaches(tenantId: string, limit: number): Promise<ProtectionBreachEntity[]>;
  /** Every tenant's latest status, with its tenant (the metrics' source). */
  abstract allStatuses(): Promise<ProtectionStatusEntity[]>;
  /** Open breaches per tenant id. */
  abstract openBreachCounts(): Promise<Map<string, number>>;
}

export class TypeOrmProtectionHealthRepository extends ProtectionHealthRepository {
  constructor(private readonly em: EntityManager) {
    super();
  }

  async saveSample(status: ProtectionStatusEntity, sample: ProtectionSampleEntity, keep: number) {
    await upsert(this.em, ProtectionStatusEntity, { tenantId: status.tenantId }, status);
    if (!(await this.em.existsBy(ProtectionSampleEntity, { id: sample.id }))) {
      await this.em.insert(ProtectionSampleEntity, sample as QueryDeepPartialEntity<ProtectionSampleEntity>).catch(async (err: unknown) => {
        if (!(await this.em.existsBy(ProtectionSampleEntity, { id: sample.id }))) throw err;
      });
    }
    const oldestKept = await this.em.find(ProtectionSampleEntity, {
      select: ['sampledAt'], where: { tenantId: sample.tenantId }, order: { sampledAt: 'DESC' }, skip: keep - 1, take: 1,
    });
    if (oldestKept[0]) await this.em.delete(ProtectionSampleEntity, { tenantId: sample.tenantId, sampledAt: LessThan(oldestKept[0].sampledAt) });
  }

  async saveBreach(breach: ProtectionBreachEntity) {
    await upsert(this.em, ProtectionBreachEntity, { id: breach.id }, breach);
  }

  status(tenantId: string) {
    return this.em.findOneBy(ProtectionStatusEntity, { tenantId });
  }

  async stopWatch(tenantId: string, tenantState: string) {
    await this.em.update(ProtectionStatusEntity, { tenantId }, { watch: 'stopped', tenantState, updatedAt: new Date() });
  }

  samples(tenantId: string, limit: number) {
    return this.em.find(ProtectionSampleEntity, { where: { tenantId }, order: { sampledAt: 'DESC' }, take: limit });
  }

  openBreaches(tenantId: string) {
    return this.em.find(ProtectionBreachEntity, { where: { tenantId, clearedAt: IsNull() }, order: { openedAt: 'ASC' } });
  }

  recentBreaches(tenantId: string, limit: number) {
    return this.em.find(ProtectionBreachEntity, { where: { tenantId }, order: { openedAt: 'DESC' }, take: limit });
  }

  allStatuses() {
    return this.em.find(ProtectionStatusEntity, { relations: { tenant: true } });
  }

  async openBreachCounts() {
    const rows: { tenantId: string; n: string | number }[] = await this.em
      .createQueryBuilder(ProtectionBreachEntity, 'b')
      .select('b.tenantId', 'tenantId')
      .addSelect('COUNT(*)', 'n')
      .where('b.clearedAt IS NULL')
      .groupBy('b.tenantId')
      .getRawMany();
    return new Map(rows.map((r) => [r.tenantId, Number(r.n)]));
  }
}

/** Insert, or overwrite the row the key finds (a concurrent insert of the same key is overwritten too). */
async function upsert<T extends ObjectLiteral>(em: EntityManager, target: EntityTarget<T>, key: FindOptionsWhere<T>, row: T): Promise<void> {
  const values = row as QueryDeepPartialEntity<T>;
  if (await em.existsBy(target, key)) {
    await em.update(target, key, values);
    return;
  }
  try {
    await em.insert(target, values);
  } catch (err) {
    if (!(await em.existsBy(target, key))) throw err;
    await em.update(target, key, values);
  }
}
