import { DataSource, type EntityManager } from 'typeorm';
import { canonicalJson, sha256Hex } from '../canonical-json';
import { IdempotencyRequestEntity } from '../entities/idempotency-request.entity';

export type IdempotencyClaim =
  /** First use of the key: go ahead, then `complete`. */
  | { kind: 'new' }
  /** The same request again, already answered: give the same answer. */
  | { kind: 'replay'; statusCode: number; response: unknown }
  /** The same request again, the first still in flight (or it failed before answering): go ahead. */
  | { kind: 'retry' }
  /** The key was used for another request (another body, target or person). */
  | { kind: 'conflict' };

export interface IdempotentRequest {
  key: string;
  scope: string;
  actorId: string;
  target: string;
  /** What identifies the request beyond its target: the decision, the comment… */
  body: unknown;
}

export class IdempotencyRepository {
  constructor(private readonly dataSource: DataSource) {}

  private m(manager?: EntityManager): EntityManager {
    return manager ?? this.dataSource.manager;
  }

  static fingerprint(request: Pick<IdempotentRequest, 'scope' | 'actorId' | 'target' | 'body'>): string {
    return sha256Hex(canonicalJson({ scope: request.scope, actorId: request.actorId, target: request.target, body: request.body ?? null }));
  }

  async claim(request: IdempotentRequest, manager?: EntityManager): Promise<IdempotencyClaim> {
    const m = this.m(manager);
    const fingerprint = IdempotencyRepository.fingerprint(request);
    const inserted = await m
      .createQueryBuilder()
      .insert()
      .into(IdempotencyRequestEntity)
      .values({ key: request.key, scope: request.scope, actorId: request.actorId, target: request.target, fingerprint })
      .orIgnore()
      .returning(['key'])
      .updateEntity(false)
      .execute();
    if ((inserted.raw as unknown[]).length > 0) return { kind: 'new' };
    const existing = await m.findOneByOrFail(IdempotencyRequestEntity, { key: request.key });
    if (existing.fingerprint !== fingerprint) return { kind: 'conflict' };
    if (existing.statusCode !== null) return { kind: 'replay', statusCode: existing.statusCode, response: existing.response };
    return { kind: 'retry' };
  }

  async complete(key: string, statusCode: number, response: unknown, manager?: EntityManager): Promise<void> {
    await this.m(manager)
      .createQueryBuilder()
      .update(IdempotencyRequestEntity)
      .set({ statusCode, response: response as object, completedAt: () => 'now()' })
      .where('key = :key AND status_code IS NULL', { key })
      .execute();
  }
}
