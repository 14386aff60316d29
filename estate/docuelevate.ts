import {
  AutoscaledBackend,
  MigrationJob,
  PersistentClaim,
  ScheduledTask,
  SharedConfig,
  StatefulService,
  SystemDefinition,
  TlsIngress,
  Worker,
  WorkerProps,
} from '../lib';
import { devBuild, standardEnvironments } from './environments';

// Staging and prod run one tested release (the chart's appVersion) of every pod built from the app image.
const release = '0.188.7';
const pinned = Object.fromEntries(['api', 'worker', 'search-index-worker', 'knowledge-research-worker', 'beat'].map((name) => [name, release]));

const environments = standardEnvironments('docuelevate', 'docuelevate.example.com', {
  // Dev's database and index are scratch: its nightly backups are defined but suspended.
  dev: {
    build: devBuild('docuelevate'),
    scaling: { replicas: 0.5, resources: 0.5 },
    workloads: { 'backup-database': { suspend: true }, 'backup-search': { suspend: true } },
  },
  staging: { images: pinned },
  prod: { images: pinned },
});

// The write-up's nginx example: client_max_body_size 1g. The app's own upload limit says the same.
const uploadLimit = { edge: '1g', bytes: String(1024 ** 3) };
// DocuElevate marks a processing step failed after STEP_TIMEOUT (600 s): a task never needs longer.
const stepTimeoutSeconds = 600;
const secrets = ['docuelevate-secrets'];
// Asks Meilisearch for a snapshot and follows its task until it succeeds or fails.
const MEILISEARCH_SNAPSHOT = [
  'set -eu',
  'auth="Authorization: Bearer $MEILI_MASTER_KEY"',
  'task=$(curl -fsS -X POST -H "$auth" "$MEILISEARCH_URL/snapshots" | sed -n \'s/.*"taskUid":\\([0-9]*\\).*/\\1/p\')',
  '[ -n "$task" ] || { echo "Meilisearch answered without a task" >&2; exit 1; }',
  'while :; do',
  '  status=$(curl -fsS -H "$auth" "$MEILISEARCH_URL/tasks/$task" | sed -n \'s/.*"status":"\\([a-z]*\\)".*/\\1/p\')',
  '  case "$status" in succeeded) echo "snapshot task $task succeeded"; exit 0 ;; failed|canceled) echo "snapshot task $task $status" >&2; exit 1 ;; esac',
  '  sleep 10',
  'done',
].join('\n');
const celery = (...args: string[]) => ['celery', '-A', 'app.celery_worker', ...args, '--loglevel=info'];

/**
 * DocuElevate: document processing (OCR, AI metadata, full-text search). A FastAPI `api` serves the
 * UI and takes uploads; Celery workers process them from Redis queues, `beat` schedules periodic
 * tasks, Meilisearch indexes the text and Gotenberg converts to PDF. Uploads are staged in a shared
 * `workdir`. Postgres is outside the cluster: its URL is in `docuelevate-secrets`, referenced only.
 */
export const docuElevate: SystemDefinition = {
  name: 'docuelevate',
  environments,
  define: (system) => {
    // The Celery broker and result store. In the cluster in every environment (the chart uses a managed
    // one outside dev), so that a NetworkPolicy, not a password alone, keeps everyone else out. A
    // StatefulService: one pod at most, ever (redis-0), on a claim of its own (data-redis-0).
    const redis = new StatefulService(system, 'redis', {
      image: 'redis:7.2.4-alpine',
      port: 6379,
      // Redis speaks RESP, not HTTP: its port is named and declared as such.
      service: { portName: 'redis', appProtocol: 'redis' },
      // Append-only on its own claim: queued documents survive a restart of the broker.
      command: ['redis-server', '--appendonly', 'yes', '--dir', '/data'],
      probes: { readiness: { exec: ['redis-cli', 'ping'] }, liveness: { tcp: 'redis' } },
      resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '500m', memory: '512Mi' } },
      volumes: [{ name: 'data', mountPath: '/data', claim: { size: '4Gi', accessMode: 'ReadWriteOnce' } }],
    });

    // Meilisearch Community Edition is single-node: one replica, on claims of its own. Snapshots go
    // to a second claim, so a damaged index volume does not take its backup with it.
    const meilisearch = new StatefulService(system, 'meilisearch', {
      image: 'getmeili/meilisearch:v1.11.3',
      port: 7700,
      // Production mode refuses to start without a master key of at least 16 bytes.
      env: {
        MEILI_ENV: 'production',
        MEILI_NO_ANALYTICS: 'true',
        MEILI_SNAPSHOT_DIR: '/snapshots',
        MEILI_MASTER_KEY: { secret: 'docuelevate-secrets', key: 'MEILISEARCH_API_KEY' },
      },
      probes: { readiness: { http: '/health' }, liveness: { tcp: 'http' } },
      resources: { requests: { cpu: '100m', memory: '256Mi' }, limits: { cpu: '1', memory: '1Gi' } },
      volumes: [
        { name: 'data', mountPath: '/meili_data', claim: { size: '10Gi', accessMode: 'ReadWriteOnce' } },
        { name: 'snapshots', mountPath: '/snapshots', claim: { size: '10Gi', accessMode: 'ReadWriteOnce' } },
      ],
    });

    const gotenberg = new AutoscaledBackend(system, 'gotenberg', {
      image: 'gotenberg/gotenberg:8.11.0',
      port: 3000,
      resources: { requests: { cpu: '100m', memory: '256Mi' }, limits: { cpu: '1', memory: '1Gi' } },
      autoscaling: { memoryUtilization: false },
      probes: { readiness: { http: '/health' }, liveness: { tcp: 'http' } },
      // A conversion may run for Gotenberg's 30 s API timeout after the pod leaves the Service.
      shutdown: { gracePeriodSeconds: 40 },
      // Chromium and LibreOffice keep their profiles and font cache under $HOME.
      volumes: [{ name: 'home', mountPath: '/home/gotenberg', emptyDir: {} }],
    });

    // What the app's settings module requires to load at all; the migration gets it too.
    const settings = {
      WORKDIR: '/workdir',
      REDIS_URL: `redis://${redis.host}:${redis.port}/0`,
      MEILISEARCH_URL: meilisearch.url,
      GOTENBERG_URL: gotenberg.url,
      EXTERNAL_HOSTNAME: system.environment.domain,
      AUTH_ENABLED: 'true',
      MAX_UPLOAD_SIZE: uploadLimit.bytes,
      // A stock ingress-nginx lets no Ingress add response headers (custom-headers would make it answer
      // 503), so the app sends its own (the write-up's option B); the controller's hsts adds HSTS.
      SECURITY_HEADERS_ENABLED: 'true',
    };
    const config = new SharedConfig(system, 'docuelevate-config', { data: settings });

    // Uploads are staged here by the api and processed by the workers on any node: RWX, on the
    // environment's RWX class (the write-up's nfs-client).
    const workdir = new PersistentClaim(system, 'workdir', { size: '20Gi', accessMode: 'ReadWriteMany' });
    const app = {
      image: 'ghcr.io/christianlouis/docuelevate',
      configMaps: [config],
      secrets,
      connectsTo: [redis, meilisearch, gotenberg],
      volumes: [{ name: 'workdir', mountPath: '/workdir', claim: workdir }],
    };

    const api = new AutoscaledBackend(system, 'api', {
      ...app,
      // Only the ingress controller reaches the api, so its X-Forwarded-Proto (https) can be trusted.
      command: ['uvicorn', 'app.main:app', '--host', '0.0.0.0', '--port', '8000', '--proxy-headers', '--forwarded-allow-ips', '*'],
      autoscaling: { minReplicas: 2, maxReplicas: 8, cpuUtilization: 70, memoryUtilization: false },
      // Readiness fails while Postgres or Redis is down; liveness only asks whether the process runs.
      probes: { liveness: { http: '/api/diagnostic/healthz/live' }, readiness: { http: '/api/diagnostic/healthz/ready' } },
      // Time to finish writing a 1 GiB upload to the workdir.
      shutdown: { gracePeriodSeconds: 60 },
    });

    // Celery's default concurrency is the node's CPU count, not the pod's limit: always say it.
    const celeryWorker = (id: string, queues: string, concurrency: number, props: Partial<WorkerProps>) =>
      new Worker(system, id, {
        ...app,
        command: celery('worker', '-Q', queues, `--concurrency=${concurrency}`),
        longestJobSeconds: stepTimeoutSeconds,
        ...props,
      });

    celeryWorker('worker', 'document_processor,default,celery', 4, {
      resources: { requests: { cpu: '500m', memory: '1Gi' }, limits: { cpu: '2', memory: '4Gi' } },
      // New uploads wait on the priority-0 list `document_processor` (backfills on its priority-9
      // list do not add pods): a replica per 8 waiting, two rounds of its four processes.
      scaling: { minReplicas: 2, maxReplicas: 10, redisList: { server: redis, listName: 'document_processor', listLength: 8 } },
    });
    // One task at a time each; two of each so a drained node never stops indexing or research.
    celeryWorker('search-index-worker', 'search_index', 1, { replicas: 2 });
    celeryWorker('knowledge-research-worker', 'knowledge_research', 1, {
      replicas: 2,
      resources: { requests: { cpu: '250m', memory: '512Mi' }, limits: { cpu: '1', memory: '2Gi' } },
    });

    // Exactly one scheduler: a second beat would send every periodic task twice. The image has no
    // RedBeat, so beat runs Celery's own scheduler, which keeps when each task last ran in a file.
    // Upstream runs beat in the workdir, so the file is there: on the shared claim, it survives the
    // pod's replacement (the root file system is read-only, and celery's default path is relative).
    new Worker(system, 'beat', {
      image: app.image,
      configMaps: [config],
      secrets,
      connectsTo: [redis],
      volumes: app.volumes,
      command: celery('beat', '--schedule', '/workdir/celerybeat-schedule'),
      component: 'scheduler',
      singleton: true,
      resources: { requests: { cpu: '100m', memory: '256Mi' }, limits: { cpu: '500m', memory: '512Mi' } },
    });

    // Before the new release serves; its ConfigMap may not exist yet, so the settings go by value.
    new MigrationJob(system, 'migrate', { app: api, command: ['alembic', 'upgrade', 'head'], env: settings, backoffLimit: 3 });

    // Nightly backups (the write-up's section 8), one at a time each, in UTC. The database dump goes
    // to an object store through the Secret `docuelevate-backup` (AWS_ACCESS_KEY_ID,
    // AWS_SECRET_ACCESS_KEY, AWS_DEFAULT_REGION, BACKUP_BUCKET as s3://…, and AWS_ENDPOINT_URL for
    // a store other than S3), not to a claim: a claim lives in the same cluster and storage as what
    // it backs up, while a bucket is off-site, and its versioning and lifecycle rules keep and expire
    // the copies without a job of ours. pg_dump runs first, as an init container, into scratch space;
    // the upload starts only once the dump completed. Each container sees only its own Secret keys.
    new ScheduledTask(system, 'backup-database', {
      // The AWS CLI reads the bucket's credentials from env and caches under $HOME.
      image: 'amazon/aws-cli:2.17.50',
      schedule: '15 2 * * *',
      secrets: ['docuelevate-backup'],
      env: { HOME: '/tmp' },
      command: ['sh', '-c', 'aws s3 cp /backup/docuelevate.dump "$BACKUP_BUCKET/postgres/docuelevate-$(date -u +%Y%m%dT%H%M%SZ).dump" --only-show-errors'],
      initContainers: [
        {
          name: 'pg-dump',
          // pg_dump must be at least the server's major version: move this tag with the database.
          image: 'postgres:16.4-alpine',
          env: { DATABASE_URL: { secret: 'docuelevate-secrets', key: 'DATABASE_URL' } },
          // The custom format is compressed and restores selectively with pg_restore.
          command: ['sh', '-c', 'pg_dump --dbname="$DATABASE_URL" --format=custom --no-owner --no-privileges --file=/backup/docuelevate.dump'],
          resources: { requests: { cpu: '100m', memory: '256Mi' }, limits: { cpu: '1', memory: '1Gi' } },
        },
      ],
      volumes: [{ name: 'backup', mountPath: '/backup', emptyDir: { sizeLimit: '20Gi' } }],
      resources: { requests: { cpu: '100m', memory: '256Mi' }, limits: { cpu: '1', memory: '512Mi' } },
      activeDeadlineSeconds: 2 * 3600,
    });

    // Meilisearch writes the snapshot itself (POST /snapshots, an exact copy that restarts it without
    // re-indexing), to its snapshots claim, replacing the previous one, so the claim never fills. The
    // index can be rebuilt from the database too; this saves the hours that takes. The task asks for
    // the snapshot and waits for its task to succeed, so a failed snapshot fails the run.
    new ScheduledTask(system, 'backup-search', {
      image: 'curlimages/curl:8.10.1',
      schedule: '45 2 * * *',
      connectsTo: [meilisearch],
      env: { MEILISEARCH_URL: meilisearch.url, MEILI_MASTER_KEY: { secret: 'docuelevate-secrets', key: 'MEILISEARCH_API_KEY' } },
      command: ['sh', '-c', MEILISEARCH_SNAPSHOT],
      resources: { requests: { cpu: '10m', memory: '16Mi' }, limits: { cpu: '100m', memory: '64Mi' } },
      activeDeadlineSeconds: 3600,
    });

    new TlsIngress(system, 'edge', {
      routes: [{ path: '/', backend: api }],
      maxBodySize: uploadLimit.edge,
      // The write-up's value, written out: a year, subdomains included.
      hsts: { maxAgeSeconds: 31_536_000, includeSubDomains: true },
    });
  },
};
