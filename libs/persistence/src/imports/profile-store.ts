// Import profiles: the shipped ones (code) and those ops saved (import_profiles), `extends` resolved.
import { builtinProfile, BUILTIN_PROFILE_KEYS, DomainError, IMPORT_KINDS, mergeProfiles, validateProfile, type ImportKind, type ImportProfile } from '@quotaflow/domain';
import type { DataSource, EntityManager } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import { ImportProfileEntity } from '../entities/import.entity';

export interface StoredProfile {
  profile: ImportProfile;
  builtin: boolean;
  updatedAt: Date | null;
}

const MAX_EXTENDS_DEPTH = 5;

export class ProfileStore {
  constructor(private readonly dataSource: DataSource) {}

  /** The profile as it will be applied: its `extends` chain merged, checked for the kind. */
  async resolve(key: string, kind: ImportKind, m: EntityManager = this.dataSource.manager): Promise<ImportProfile> {
    let profile = await this.find(key, kind, m);
    if (!profile) throw new DomainError('IMPORT_PROFILE.NOT_FOUND', `No ${kind} import profile "${key}"; shipped: quotaflow${kind === 'deals' ? ', salesforce, hubspot' : ''}.`, { field: 'profile', value: key });
    for (let depth = 0; profile.extends; depth++) {
      if (depth >= MAX_EXTENDS_DEPTH) throw new DomainError('VALIDATION.FAILED', `profile "${key}": extends more than ${MAX_EXTENDS_DEPTH} levels deep`, [{ field: 'extends', problems: ['too deep'] }]);
      const parent = await this.find(profile.extends, kind, m);
      if (!parent) throw new DomainError('IMPORT_PROFILE.NOT_FOUND', `profile "${key}" extends "${profile.extends}", which is not a ${kind} profile.`, { field: 'extends', value: profile.extends });
      profile = { ...mergeProfiles(parent, profile), extends: parent.extends, key: profile.key, name: profile.name };
    }
    return profile;
  }

  private async find(key: string, kind: ImportKind, m: EntityManager): Promise<ImportProfile | undefined> {
    const builtin = builtinProfile(key, kind);
    if (builtin) return builtin;
    const row = await m.findOne(ImportProfileEntity, { where: { key } });
    if (!row || row.kind !== kind) return undefined;
    return row.definition as unknown as ImportProfile;
  }

  async list(kind?: ImportKind): Promise<StoredProfile[]> {
    const kinds = kind ? [kind] : [...IMPORT_KINDS];
    const builtins = kinds.flatMap((k) => BUILTIN_PROFILE_KEYS.map((key) => builtinProfile(key, k)).filter((p): p is ImportProfile => !!p))
      .map((profile) => ({ profile, builtin: true, updatedAt: null }));
    const rows = await this.dataSource.getRepository(ImportProfileEntity).find({ order: { key: 'ASC' } });
    return [...builtins, ...rows.filter((r) => kinds.includes(r.kind)).map((r) => ({ profile: r.definition as unknown as ImportProfile, builtin: false, updatedAt: r.updatedAt }))];
  }

  async get(key: string): Promise<StoredProfile> {
    for (const kind of IMPORT_KINDS) {
      const builtin = builtinProfile(key, kind);
      if (builtin && key !== 'quotaflow') return { profile: builtin, builtin: true, updatedAt: null };
    }
    const row = await this.dataSource.getRepository(ImportProfileEntity).findOne({ where: { key } });
    if (!row) throw new DomainError('IMPORT_PROFILE.NOT_FOUND', `No import profile "${key}".`, { field: 'key', value: key });
    return { profile: row.definition as unknown as ImportProfile, builtin: false, updatedAt: row.updatedAt };
  }

  /** Creates or replaces a saved profile; shipped profiles cannot be replaced (extend them). */
  /** `alongside` runs in the same transaction (the profile's audit event: both or neither). */
  async save(
    profile: ImportProfile,
    actorId: string | null,
    alongside?: (m: EntityManager, saved: { stored: StoredProfile; before: ImportProfile | null }) => Promise<unknown>,
  ): Promise<{ stored: StoredProfile; before: ImportProfile | null }> {
    if ((BUILTIN_PROFILE_KEYS as readonly string[]).includes(profile.key)) {
      throw new DomainError('IMPORT_PROFILE.CONFLICT', `"${profile.key}" is a shipped profile; save your own key with "extends": "${profile.key}".`, { field: 'key', value: profile.key });
    }
    const problems = validateProfile(profile);
    if (problems.length > 0) {
      throw new DomainError('VALIDATION.FAILED', `${problems[0]!.field}: ${problems[0]!.message}`, problems.map((p) => ({ field: p.field, problems: [p.message] })));
    }
    // The chain must resolve (parent exists, same kind, not too deep) before it is stored.
    return this.dataSource.transaction(async (m) => {
      const existing = await m.findOne(ImportProfileEntity, { where: { key: profile.key }, lock: { mode: 'pessimistic_write' } });
      if (existing && existing.kind !== profile.kind) {
        throw new DomainError('IMPORT_PROFILE.CONFLICT', `profile "${profile.key}" is a ${existing.kind} profile; it cannot become a ${profile.kind} profile.`, { field: 'kind', value: profile.kind });
      }
      const definition = JSON.parse(JSON.stringify(profile)) as QueryDeepPartialEntity<Record<string, unknown>>;
      if (existing) await m.update(ImportProfileEntity, { id: existing.id }, { name: profile.name, definition, updatedAt: new Date() });
      else await m.insert(ImportProfileEntity, { key: profile.key, kind: profile.kind, name: profile.name, definition, createdById: actorId });
      await this.resolve(profile.key, profile.kind, m);
      const row = await m.findOneOrFail(ImportProfileEntity, { where: { key: profile.key } });
      const saved = { stored: { profile, builtin: false, updatedAt: row.updatedAt }, before: existing ? (existing.definition as unknown as ImportProfile) : null };
      if (alongside) await alongside(m, saved);
      return saved;
    });
  }
}
