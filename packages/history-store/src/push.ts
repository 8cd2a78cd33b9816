import type { StoreContext } from './context.js';
import type { Database, Row } from './db/tables.js';
import { HistoryStoreError } from './errors.js';

/** What `history push` added to the target for one project (rows already there are not counted). */
export interface PushedProject {
  project: string;
  promotions: number;
  steps: number;
  deployments: number;
  canisters: number;
  backups: number;
  restores: number;
  routeChanges: number;
  routes: number;
  auditEntries: number;
  modules: number;
  snapshotFiles: number;
}

/**
 * Multi-row inserts of this many rows: few round trips to a remote server; the widest table (~20 columns) stays below
 * SQLite's 32,766 and PostgreSQL's 65,535 parameters.
 */
const BATCH = 1_000;

function batches<T>(rows: T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < rows.length; i += BATCH) out.push(rows.slice(i, i + BATCH));
  return out;
}

function conflict(project: string, what: string, location: string): HistoryStoreError {
  return new HistoryStoreError(
    'CONFLICT',
    `project ${project} already has a different history in ${location}: ${what}.`,
    {
      hint: 'push a project only into a store where it is new or already pushed from here; nothing was written',
    },
  );
}

/**
 * Copies one project's records from `source` into `target`, in one target transaction: all or
 * nothing. A record the target already holds (same promotion or backup id; same agent,
 * environment and version for a deployment; same time and content for the rest) is skipped, so
 * a second push adds nothing; one the target holds with other content is a CONFLICT. Promotion
 * and backup ids, versions, times and who are kept; numeric row ids are the target's own.
 * Leases are not copied: a lock belongs to a running process. Module bytes and snapshot files
 * travel with the records (a shared store keeps them for every machine).
 */
export function pushProject(
  source: StoreContext,
  target: StoreContext,
  files: { module(sha256: string): Uint8Array | null; snapshot(sha256: string): Uint8Array | null },
): PushedProject {
  const project = source.project;
  const mine = <T extends keyof Database>(table: T) =>
    // Every table with a project column; steps and restores are read through their parents.
    source.all(
      source.q
        .selectFrom(table as 'agents')
        .selectAll()
        .where('project', '=', project),
    ) as unknown as Row<T>[];
  const agents = mine('agents');
  const environments = mine('environments');
  const canisters = mine('canisters');
  const promotions = source.all(
    source.q.selectFrom('promotions').selectAll().where('project', '=', project).orderBy('seq'),
  );
  const steps = source.all(
    source.q
      .selectFrom('promotion_steps as s')
      .innerJoin('promotions as p', 'p.seq', 's.promotion_seq')
      .selectAll('s')
      .select('p.id as promotion_id')
      .where('p.project', '=', project),
  );
  const deployments = source.all(
    source.q.selectFrom('deployments').selectAll().where('project', '=', project).orderBy('id'),
  );
  const backups = source.all(source.q.selectFrom('backups').selectAll().where('project', '=', project).orderBy('seq'));
  const restores = source.all(
    source.q
      .selectFrom('backup_restores as r')
      .innerJoin('backups as b', 'b.id', 'r.backup_id')
      .selectAll('r')
      .where('b.project', '=', project)
      .orderBy('r.id'),
  );
  const changes = source.all(
    source.q.selectFrom('route_changes').selectAll().where('project', '=', project).orderBy('id'),
  );
  const routes = mine('routes');
  const audit = source.all(source.q.selectFrom('audit_log').selectAll().where('project', '=', project).orderBy('id'));
  // A subquery, not a list of hashes: a long history names more modules than SQLite binds at once.
  const artifacts = source.all(
    source.q
      .selectFrom('artifacts')
      .selectAll()
      .where('sha256', 'in', source.q.selectFrom('deployments').select('module_sha256').where('project', '=', project)),
  );

  return target.write(() => {
    const t = target.q;
    const added: PushedProject = {
      project,
      promotions: 0,
      steps: 0,
      deployments: 0,
      canisters: 0,
      backups: 0,
      restores: 0,
      routeChanges: 0,
      routes: 0,
      auditEntries: 0,
      modules: 0,
      snapshotFiles: 0,
    };

    for (const batch of batches(agents))
      target.run(
        t
          .insertInto('agents')
          .values(batch)
          .onConflict((oc) => oc.columns(['project', 'name']).doNothing()),
      );
    for (const batch of batches(environments))
      target.run(
        t
          .insertInto('environments')
          .values(batch)
          .onConflict((oc) => oc.columns(['project', 'name']).doNothing()),
      );
    for (const batch of batches(canisters)) {
      added.canisters += target.run(
        t
          .insertInto('canisters')
          .values(batch)
          .onConflict((oc) => oc.columns(['project', 'environment', 'canister_id']).doNothing()),
      ).changes;
    }

    // Modules first: a deployment names its module, and any machine must be able to reinstall it.
    for (const artifact of artifacts) {
      if (!target.one(t.selectFrom('artifacts').select('sha256').where('sha256', '=', artifact.sha256))) {
        target.run(t.insertInto('artifacts').values(artifact));
        added.modules += 1;
      }
      const bytes = files.module(artifact.sha256);
      if (
        bytes &&
        target.executor.dialect === 'postgres' &&
        !target.one(t.selectFrom('blobs').select('sha256').where('sha256', '=', artifact.sha256))
      ) {
        target.run(
          t.insertInto('blobs').values({
            sha256: artifact.sha256,
            kind: 'module',
            size: bytes.length,
            bytes,
            stored_at: artifact.first_seen_at,
          }),
        );
      }
    }

    // Promotions by their id; deployments by agent, environment and version.
    const promotionSeq = new Map(
      target
        .all(t.selectFrom('promotions').select(['id', 'seq', 'agent', 'created_at']).where('project', '=', project))
        .map((p) => [p.id, p]),
    );
    for (const promotion of promotions) {
      const there = promotionSeq.get(promotion.id);
      if (there && (there.agent !== promotion.agent || there.created_at !== promotion.created_at))
        throw conflict(project, `promotion ${promotion.id} differs`, target.location);
    }
    const newPromotions = promotions.filter((p) => !promotionSeq.has(p.id));
    for (const batch of batches(newPromotions)) {
      const inserted = target.run(
        t
          .insertInto('promotions')
          .values(
            batch.map(({ seq: _seq, ...p }) => ({ ...p, source_deployment_id: null, target_deployment_id: null })),
          )
          .returning(['id', 'seq', 'agent', 'created_at']),
      ).rows;
      for (const row of inserted) promotionSeq.set(row.id, row);
      added.promotions += inserted.length;
    }
    const pushedPromotions = new Set(newPromotions.map((p) => p.id));
    const newSteps = steps.filter((s) => pushedPromotions.has(s.promotion_id));
    for (const batch of batches(newSteps)) {
      target.run(
        t
          .insertInto('promotion_steps')
          .values(
            batch.map(({ promotion_id, ...s }) => ({ ...s, promotion_seq: promotionSeq.get(promotion_id)!.seq })),
          ),
      );
      added.steps += batch.length;
    }

    const versionKey = (d: { agent: string; environment: string; version: number }) =>
      `${d.agent}\u0000${d.environment}\u0000${d.version}`;
    const deploymentId = new Map<number, number>();
    const existing = new Map(
      target
        .all(
          t
            .selectFrom('deployments')
            .select(['id', 'agent', 'environment', 'version', 'module_sha256', 'started_at'])
            .where('project', '=', project),
        )
        .map((d) => [versionKey(d), d]),
    );
    const newDeployments: typeof deployments = [];
    for (const deployment of deployments) {
      const there = existing.get(versionKey(deployment));
      if (!there) newDeployments.push(deployment);
      else if (there.module_sha256 !== deployment.module_sha256 || there.started_at !== deployment.started_at) {
        throw conflict(
          project,
          `version ${deployment.version} of ${deployment.agent} in ${deployment.environment} is another deployment there`,
          target.location,
        );
      } else deploymentId.set(deployment.id, there.id);
    }
    for (const batch of batches(newDeployments)) {
      const inserted = target.run(
        t
          .insertInto('deployments')
          .values(batch.map(({ id: _id, ...d }) => ({ ...d, snapshot_backup_id: null })))
          .returning(['id', 'agent', 'environment', 'version']),
      ).rows;
      const byKey = new Map(inserted.map((row) => [versionKey(row), row.id]));
      for (const deployment of batch) deploymentId.set(deployment.id, byKey.get(versionKey(deployment))!);
      added.deployments += inserted.length;
    }
    const mapDeployment = (id: number | null) => (id === null ? null : (deploymentId.get(id) ?? null));
    for (const promotion of newPromotions) {
      if (promotion.source_deployment_id === null && promotion.target_deployment_id === null) continue;
      target.run(
        t
          .updateTable('promotions')
          .set({
            source_deployment_id: mapDeployment(promotion.source_deployment_id),
            target_deployment_id: mapDeployment(promotion.target_deployment_id),
          })
          .where('id', '=', promotion.id),
      );
    }

    const knownBackups = new Set(
      target.all(t.selectFrom('backups').select('id').where('project', '=', project)).map((b) => b.id),
    );
    const newBackups = backups.filter((b) => !knownBackups.has(b.id));
    for (const batch of batches(newBackups)) {
      target.run(
        t
          .insertInto('backups')
          .values(batch.map(({ seq: _seq, ...b }) => ({ ...b, deployment_id: mapDeployment(b.deployment_id) }))),
      );
      added.backups += batch.length;
    }
    for (const deployment of newDeployments) {
      if (deployment.snapshot_backup_id !== null)
        target.run(
          t
            .updateTable('deployments')
            .set({ snapshot_backup_id: deployment.snapshot_backup_id })
            .where('id', '=', deploymentId.get(deployment.id)!),
        );
    }
    for (const backup of backups) {
      const sha256 = backup.archive_sha256;
      if (
        sha256 === null ||
        target.executor.dialect !== 'postgres' ||
        target.one(t.selectFrom('blobs').select('sha256').where('sha256', '=', sha256))
      )
        continue;
      const bytes = files.snapshot(sha256);
      if (!bytes) continue;
      target.run(
        t.insertInto('blobs').values({
          sha256,
          kind: 'snapshot',
          size: bytes.length,
          bytes,
          stored_at: backup.archived_at ?? backup.created_at,
        }),
      );
      added.snapshotFiles += 1;
    }
    const restoreKey = (r: { backup_id: string; at: string }) => `${r.backup_id}\u0000${r.at}`;
    const knownRestores = new Set(
      target
        .all(
          t
            .selectFrom('backup_restores as r')
            .innerJoin('backups as b', 'b.id', 'r.backup_id')
            .select(['r.backup_id', 'r.at'])
            .where('b.project', '=', project),
        )
        .map(restoreKey),
    );
    for (const batch of batches(restores.filter((r) => !knownRestores.has(restoreKey(r))))) {
      target.run(t.insertInto('backup_restores').values(batch.map(({ id: _id, ...r }) => r)));
      added.restores += batch.length;
    }

    const changeKey = (c: { agent: string; environment: string; to_canister_id: string; at: string; cause: string }) =>
      [c.agent, c.environment, c.to_canister_id, c.at, c.cause].join('\u0000');
    const changeId = new Map(
      target
        .all(
          t
            .selectFrom('route_changes')
            .select(['id', 'agent', 'environment', 'to_canister_id', 'at', 'cause'])
            .where('project', '=', project),
        )
        .map((c) => [changeKey(c), c.id]),
    );
    const sourceChangeKey = new Map(changes.map((c) => [c.id, changeKey(c)]));
    for (const batch of batches(changes.filter((c) => !changeId.has(changeKey(c))))) {
      const inserted = target.run(
        t
          .insertInto('route_changes')
          .values(batch.map(({ id: _id, ...c }) => c))
          .returning(['id', 'agent', 'environment', 'to_canister_id', 'at', 'cause']),
      ).rows;
      for (const row of inserted) changeId.set(changeKey(row), row.id);
      added.routeChanges += inserted.length;
    }
    for (const route of routes) {
      // The target's own route wins: it may have moved on since this history was written.
      const inserted = target.run(
        t
          .insertInto('routes')
          .values({ ...route, change_id: changeId.get(sourceChangeKey.get(route.change_id)!)! })
          .onConflict((oc) => oc.columns(['project', 'agent', 'environment']).doNothing()),
      );
      added.routes += inserted.changes;
    }

    const auditKey = (a: { at: string; action: string; subject: string | null; summary: string; by_host: string }) =>
      [a.at, a.action, a.subject ?? '', a.summary, a.by_host].join('\u0000');
    const knownAudit = new Set(
      target
        .all(
          t
            .selectFrom('audit_log')
            .select(['at', 'action', 'subject', 'summary', 'by_host'])
            .where('project', '=', project),
        )
        .map(auditKey),
    );
    for (const batch of batches(audit.filter((a) => !knownAudit.has(auditKey(a))))) {
      target.run(t.insertInto('audit_log').values(batch.map(({ id: _id, ...a }) => a)));
      added.auditEntries += batch.length;
    }
    return added;
  });
}
