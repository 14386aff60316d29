import { describe, expect, it } from 'vitest';
import { docuElevate } from '../../estate/docuelevate';
import devBuilds from '../../estate/dev-builds.json';
import { find, ofKind, podSpec } from '../helpers';
import { systemObjects, systemYaml } from './helpers';

const ENVS = ['dev', 'staging', 'prod'] as const;
const APP_IMAGE = 'ghcr.io/christianlouis/docuelevate';
const CELERY_WORKERS = ['worker', 'search-index-worker', 'knowledge-research-worker'];
const DATASTORES = ['meilisearch', 'redis'];

describe.each(ENVS)('DocuElevate in %s', (env) => {
  const { objects, files } = systemObjects(docuElevate, env);
  const namespace = `docuelevate-${env}`;
  const deployment = (name: string) => find(objects, 'Deployment', name);
  const statefulSet = (name: string) => find(objects, 'StatefulSet', name);
  const main = (name: string) => podSpec(deployment(name)).containers[0];
  const claimOf = (name: string, mountPath: string) => {
    const mount = main(name).volumeMounts.find((m: any) => m.mountPath === mountPath);
    return mount && podSpec(deployment(name)).volumes.find((v: any) => v.name === mount.name).persistentVolumeClaim?.claimName;
  };
  // The workloads each NetworkPolicy admits, by name (the Gateway's data plane and KEDA by namespace).
  const sources = (policy: string) =>
    find(objects, 'NetworkPolicy', policy).spec.ingress.map((rule: any) => {
      const peer = rule.from[0];
      return peer.podSelector && !peer.namespaceSelector
        ? peer.podSelector.matchLabels['app.kubernetes.io/name']
        : `${peer.namespaceSelector.matchLabels['kubernetes.io/metadata.name']}/${peer.podSelector?.matchLabels['app.kubernetes.io/name'] ?? '*'}`;
    });

  it('matches its snapshot', () => {
    expect(systemYaml(docuElevate, env)).toMatchSnapshot();
  });

  it('serves the API on 8000 with the diagnostic liveness and readiness endpoints, the HPA owning its replicas at 70 % CPU', () => {
    expect(main('api').ports, 'the api listens on 8000').toEqual([{ name: 'http', containerPort: 8000, protocol: 'TCP' }]);
    expect(main('api').livenessProbe.httpGet.path, 'liveness only asks whether the process runs').toBe('/api/diagnostic/healthz/live');
    expect(main('api').readinessProbe.httpGet.path, 'readiness checks the database and Redis').toBe('/api/diagnostic/healthz/ready');
    expect(deployment('api').spec, 'no replicas next to an HPA').not.toHaveProperty('replicas');
    const hpa = find(objects, 'HorizontalPodAutoscaler', 'api');
    expect(hpa.spec.metrics, 'the api scales on CPU only, at 70 %').toEqual([
      { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } } },
    ]);
    // Dev halves replica counts (rounded up).
    expect([hpa.spec.minReplicas, hpa.spec.maxReplicas], 'api replicas').toEqual(env === 'dev' ? [1, 4] : [2, 8]);
  });

  it('runs three Celery workers, each on its own queues with a stated concurrency', () => {
    const queues = Object.fromEntries(
      CELERY_WORKERS.map((name) => {
        const command = main(name).command;
        expect(command.slice(0, 4), `${name} is a Celery worker of the app`).toEqual(['celery', '-A', 'app.celery_worker', 'worker']);
        return [name, `${command[command.indexOf('-Q') + 1]} ${command.find((a: string) => a.startsWith('--concurrency'))}`];
      }),
    );
    expect(queues).toEqual({
      worker: 'document_processor,default,celery --concurrency=4',
      'search-index-worker': 'search_index --concurrency=1',
      'knowledge-research-worker': 'knowledge_research --concurrency=1',
    });
    for (const name of CELERY_WORKERS) {
      expect(main(name).image, `${name} runs the app image`).toBe(main('api').image);
      expect(podSpec(deployment(name)).terminationGracePeriodSeconds, `${name} lets a step finish within STEP_TIMEOUT (600 s) on SIGTERM`).toBe(615);
    }
  });

  it('scales the main worker on the depth of its Redis queue, the others not at all', () => {
    const scaled = find(objects, 'ScaledObject', 'worker');
    expect(scaled.spec.triggers, 'KEDA reads the document_processor list on the in-cluster Redis').toEqual([
      { type: 'redis', metadata: { address: `redis.${namespace}.svc.cluster.local:6379`, listName: 'document_processor', listLength: '8' } },
    ]);
    expect([scaled.spec.minReplicaCount, scaled.spec.maxReplicaCount], 'worker replicas').toEqual(env === 'dev' ? [1, 5] : [2, 10]);
    expect(deployment('worker').spec, 'KEDA owns the worker replicas').not.toHaveProperty('replicas');
    expect(
      ofKind(objects, 'ScaledObject').map((o) => o.metadata.name),
      'only the main worker scales on queue depth',
    ).toEqual(['worker']);
    expect(
      ofKind(objects, 'HorizontalPodAutoscaler')
        .map((o) => o.metadata.name)
        .sort(),
      'no CPU autoscaler fights KEDA',
    ).toEqual(['api', 'gotenberg']);
  });

  it('runs beat as a singleton (one pod, replaced with Recreate) and Meilisearch and Redis as one-replica StatefulSets, never scaled', () => {
    expect(deployment('beat').spec.replicas, 'beat runs exactly one pod').toBe(1);
    expect(deployment('beat').spec.strategy, "beat's old pod is gone before the new one starts").toEqual({ type: 'Recreate' });
    for (const name of DATASTORES) {
      expect(statefulSet(name).spec.replicas, `${name} runs exactly one pod, ${name}-0`).toBe(1);
      expect(statefulSet(name).metadata.annotations['shipshape.io/singleton'], `${name} is an intended singleton`).toBe('true');
      expect(
        ofKind(objects, 'Deployment').map((d) => d.metadata.name),
        `${name} is no Deployment any more`,
      ).not.toContain(name);
    }
    for (const name of ['beat', ...DATASTORES]) {
      expect(
        objects.filter((o) => o.metadata.name === name && ['HorizontalPodAutoscaler', 'ScaledObject', 'PodDisruptionBudget'].includes(o.kind)),
        `${name} has no autoscaler or PDB`,
      ).toEqual([]);
    }
  });

  it("runs beat with Celery's own scheduler (the image has no RedBeat), its schedule file on the workdir it mounts as upstream does", () => {
    const command: string[] = main('beat').command;
    expect(command.slice(0, 4), 'beat of the app').toEqual(['celery', '-A', 'app.celery_worker', 'beat']);
    expect(command, 'no scheduler class the image lacks').not.toContain('-S');
    expect(command.join(' '), 'no RedBeat').not.toMatch(/redbeat/i);
    const schedule = command[command.indexOf('--schedule') + 1];
    expect(schedule, 'the schedule file').toBe('/workdir/celerybeat-schedule');
    expect(claimOf('beat', '/workdir'), 'beat mounts the workdir claim at /workdir').toBe('workdir');
    const writable = main('beat').volumeMounts.filter((m: any) => !m.readOnly && schedule.startsWith(`${m.mountPath}/`));
    expect(writable, 'the schedule file is on a writable mount (the root file system is read-only)').toHaveLength(1);
  });

  it('gives Meilisearch and Redis claims of their replica, and Meilisearch its master key from a Secret key', () => {
    const templates = (name: string) =>
      statefulSet(name).spec.volumeClaimTemplates.map((t: any) => `${t.metadata.name} ${t.spec.accessModes} ${t.spec.resources.requests.storage}`);
    expect(templates('meilisearch'), 'the index and its snapshots, on two claims of meilisearch-0').toEqual([
      'data ReadWriteOnce 10Gi',
      'snapshots ReadWriteOnce 10Gi',
    ]);
    expect(templates('redis'), "Redis's append-only file").toEqual(['data ReadWriteOnce 4Gi']);
    expect(
      ofKind(objects, 'PersistentVolumeClaim').map((c) => c.metadata.name),
      'the only shared claim is the workdir',
    ).toEqual(['workdir']);
    const mounts = podSpec(statefulSet('meilisearch')).containers[0].volumeMounts.map((m: any) => `${m.name} ${m.mountPath}`);
    expect(mounts).toEqual(['tmp /tmp', 'data /meili_data', 'snapshots /snapshots']);
    const container = podSpec(statefulSet('meilisearch')).containers[0];
    expect(container.env, 'snapshots go to their own claim').toContainEqual({ name: 'MEILI_SNAPSHOT_DIR', value: '/snapshots' });
    expect(container.env, 'the master key is read from a Secret key, never written here').toContainEqual({
      name: 'MEILI_MASTER_KEY',
      valueFrom: { secretKeyRef: { name: 'docuelevate-secrets', key: 'MEILISEARCH_API_KEY' } },
    });
    expect(statefulSet('meilisearch').spec.serviceName).toBe('meilisearch-headless');
    expect(find(objects, 'Service', 'meilisearch-headless').spec.clusterIP).toBe('None');
  });

  it('backs up the database to an object store and snapshots Meilisearch every night, one run at a time', () => {
    const database = find(objects, 'CronJob', 'backup-database');
    const search = find(objects, 'CronJob', 'backup-search');
    for (const cron of [database, search]) {
      expect(cron.spec, `${cron.metadata.name} never overlaps itself, in UTC`).toMatchObject({ concurrencyPolicy: 'Forbid', timeZone: 'Etc/UTC' });
      expect(cron.spec.schedule, 'nightly').toMatch(/^\d+ 2 \* \* \*$/);
      expect(cron.spec.suspend, 'suspended in dev only').toBe(env === 'dev');
      expect(cron.spec.jobTemplate.spec.template.spec.restartPolicy).toBe('Never');
    }
    const pod = database.spec.jobTemplate.spec.template.spec;
    expect(pod.initContainers[0].image, 'pg_dump from a pinned Postgres image').toBe('postgres:16.4-alpine');
    expect(pod.initContainers[0].command[2]).toMatch(/^pg_dump --dbname="\$DATABASE_URL" --format=custom .*--file=\/backup\/docuelevate\.dump$/);
    expect(pod.initContainers[0].env, 'only the database URL').toEqual([
      { name: 'DATABASE_URL', valueFrom: { secretKeyRef: { name: 'docuelevate-secrets', key: 'DATABASE_URL' } } },
    ]);
    expect(pod.containers[0].image).toBe('amazon/aws-cli:2.17.50');
    expect(pod.containers[0].command[2], 'uploads the dump under a dated name').toMatch(
      /^aws s3 cp \/backup\/docuelevate\.dump "\$BACKUP_BUCKET\/postgres\/docuelevate-\$\(date -u/,
    );
    expect(pod.containers[0].envFrom, 'the bucket credentials, and nothing of the app').toEqual([{ secretRef: { name: 'docuelevate-backup' } }]);
    const snapshot = search.spec.jobTemplate.spec.template.spec.containers[0];
    expect(snapshot.image).toBe('curlimages/curl:8.10.1');
    expect(snapshot.command[2]).toContain('-X POST -H "$auth" "$MEILISEARCH_URL/snapshots"');
    expect(snapshot.command[2], 'waits for the snapshot task').toContain('"$MEILISEARCH_URL/tasks/$task"');
    expect(snapshot.env).toContainEqual({ name: 'MEILISEARCH_URL', value: `http://meilisearch.${namespace}.svc.cluster.local:7700` });
  });

  it('shares one RWX workdir between the API, every worker and beat', () => {
    expect(find(objects, 'PersistentVolumeClaim', 'workdir').spec).toMatchObject({
      accessModes: ['ReadWriteMany'],
      resources: { requests: { storage: '20Gi' } },
    });
    for (const name of ['api', ...CELERY_WORKERS, 'beat']) expect(claimOf(name, '/workdir'), `${name} mounts the workdir at /workdir`).toBe('workdir');
    expect(find(objects, 'ConfigMap', 'docuelevate-config').data.WORKDIR, 'the app is told where it is').toBe('/workdir');
  });

  it('runs alembic from the API image before the release, in the migrations layer, with the Secret and settings by value only', () => {
    const job = ofKind(objects, 'Job')[0];
    expect([...files.keys()], 'the migration is delivered from its own directory').toContain(`${env}/docuelevate/migrations/docuelevate.yaml`);
    const container = podSpec(job).containers[0];
    expect(container.command).toEqual(['alembic', 'upgrade', 'head']);
    expect(container.image, 'the migration runs the image it migrates for').toBe(main('api').image);
    expect(container.envFrom, 'no ConfigMap: the new release may not have applied it yet').toEqual([{ secretRef: { name: 'docuelevate-secrets' } }]);
    expect(container.env, 'the settings the app needs to load').toContainEqual({ name: 'WORKDIR', value: '/workdir' });
    expect(podSpec(job).restartPolicy).toBe('Never');
  });

  it('has a PDB from two pods and spreads across zones and nodes, for every workload that may run two', () => {
    const range = (name: string) => {
      const scaler = objects.find((o) => o.metadata.name === name && ['HorizontalPodAutoscaler', 'ScaledObject'].includes(o.kind));
      if (!scaler) return [deployment(name).spec.replicas, deployment(name).spec.replicas];
      return scaler.kind === 'ScaledObject' ? [scaler.spec.minReplicaCount, scaler.spec.maxReplicaCount] : [scaler.spec.minReplicas, scaler.spec.maxReplicas];
    };
    for (const name of ['api', 'gotenberg', ...CELERY_WORKERS]) {
      const [fewest, most] = range(name);
      // Dev halves the counts: one pod of the fixed workers, where a PDB would only block drains.
      if (env !== 'dev') expect(fewest, `${name} runs at least two pods`).toBeGreaterThanOrEqual(2);
      const spread = podSpec(deployment(name)).topologySpreadConstraints?.map((c: any) => c.topologyKey);
      expect(spread, `${name} spreads its pods`).toEqual(most >= 2 ? ['topology.kubernetes.io/zone', 'kubernetes.io/hostname'] : undefined);
      const pdb = objects.find((o) => o.kind === 'PodDisruptionBudget' && o.metadata.name === name);
      expect(pdb?.spec.maxUnavailable, `${name} loses one pod at a time`).toBe(fewest >= 2 ? 1 : undefined);
    }
    expect(podSpec(deployment('beat')).topologySpreadConstraints, 'beat has one pod to place').toBeUndefined();
    for (const name of DATASTORES) expect(podSpec(statefulSet(name)).topologySpreadConstraints, `${name} has one pod to place`).toBeUndefined();
  });

  it('lets only the application pods reach Redis and Meilisearch (and KEDA read the queue)', () => {
    expect(find(objects, 'NetworkPolicy', 'default-deny-ingress').spec, 'everything else is denied').toEqual({ podSelector: {}, policyTypes: ['Ingress'] });
    expect(sources('allow-redis'), 'Redis: the api, the workers and beat').toEqual(['api', ...CELERY_WORKERS, 'beat']);
    expect(sources('allow-keda-redis'), 'and the KEDA operator, which measures the queue').toEqual(['keda/keda-operator']);
    expect(sources('allow-meilisearch'), 'Meilisearch: the api, the workers and its nightly snapshot').toEqual(['api', ...CELERY_WORKERS, 'backup-search']);
    expect(sources('allow-api'), "only the api is exposed, to the Gateway's data plane").toEqual(['envoy-gateway-system/*']);
    const selecting = (name: string) =>
      ofKind(objects, 'NetworkPolicy')
        .filter((p) => p.spec.podSelector.matchLabels?.['app.kubernetes.io/name'] === name)
        .map((p) => p.metadata.name);
    expect(selecting('redis'), 'no other policy admits anything to Redis').toEqual(['allow-keda-redis', 'allow-redis']);
    expect(find(objects, 'Service', 'redis').spec.ports, 'a RESP port, not one named http').toEqual([
      { name: 'redis', port: 6379, targetPort: 'redis', protocol: 'TCP', appProtocol: 'redis' },
    ]);
    expect(selecting('meilisearch'), 'no other policy admits anything to Meilisearch').toEqual(['allow-meilisearch']);
  });

  it('takes uploads up to 1g at the edge over TLS only, with the security headers at the edge and from the app', () => {
    expect(ofKind(objects, 'Ingress')).toEqual([]);
    const route = find(objects, 'HTTPRoute', 'edge');
    expect(find(objects, 'BackendTrafficPolicy', 'edge').spec.requestBuffer, 'the edge accepts 1g bodies').toEqual({ limit: '1Gi' });
    expect(route.spec.rules[0].filters[0].responseHeaderModifier.set[0], "the write-up's HSTS").toEqual({
      name: 'Strict-Transport-Security',
      value: 'max-age=31536000; includeSubDomains',
    });
    expect(find(objects, 'HTTPRoute', 'edge-redirect').spec.rules[0].filters[0].requestRedirect, 'HTTP redirects to HTTPS').toEqual({
      scheme: 'https',
      statusCode: 308,
    });
    expect(find(objects, 'ConfigMap', 'docuelevate-config').data, 'the app agrees on the limit and sends the security headers itself').toMatchObject({
      MAX_UPLOAD_SIZE: String(1024 ** 3),
      SECURITY_HEADERS_ENABLED: 'true',
    });
    expect(route.spec.rules.map((r: any) => `${r.matches[0].path.value} → ${r.backendRefs[0].name}:${r.backendRefs[0].port}`)).toEqual(['/ → api:8000']);
  });

  it('references its Secret, never creates one, and mounts no ServiceAccount token', () => {
    expect(ofKind(objects, 'Secret')).toEqual([]);
    expect(find(objects, 'Namespace', namespace).metadata.annotations['shipshape.io/external-secrets']).toBe('docuelevate-backup,docuelevate-secrets');
    for (const sa of ofKind(objects, 'ServiceAccount')) expect(sa.automountServiceAccountToken, `ServiceAccount ${sa.metadata.name}`).toBe(false);
    for (const d of [...ofKind(objects, 'Deployment'), ...ofKind(objects, 'StatefulSet')])
      expect(podSpec(d).automountServiceAccountToken, `pods of ${d.metadata.name}`).toBe(false);
  });
});

describe('DocuElevate across environments', () => {
  const objects = Object.fromEntries(ENVS.map((env) => [env, systemObjects(docuElevate, env).objects]));

  it('runs one tested release of the app image in staging and prod; dev runs the build CI pushed last', () => {
    for (const env of ENVS) {
      const images = ofKind(objects[env], 'Deployment')
        .map((d) => podSpec(d).containers[0].image)
        .filter((i: string) => i.startsWith(APP_IMAGE));
      expect(new Set(images), `app images in ${env}`).toEqual(new Set([`${APP_IMAGE}:${env === 'dev' ? devBuilds.docuelevate : '0.188.7'}`]));
    }
  });

  it('differs only where the environment model says: namespaces, hosts, pins, replica counts and sizes', () => {
    // The same objects, but for what replica counts and pins imply: PDBs from two replicas, Job names from the image.
    const shape = (env: (typeof ENVS)[number]) =>
      objects[env]
        .filter((o) => !['PodDisruptionBudget', 'Job', 'Namespace'].includes(o.kind))
        .map((o) => `${o.kind}/${o.metadata.name}`)
        .sort();
    expect(shape('dev')).toEqual(shape('prod'));
    expect(shape('staging')).toEqual(shape('prod'));
    expect(podSpec(find(objects.dev, 'Deployment', 'worker')).containers[0].resources.requests, 'dev halves resources').toEqual({
      cpu: '250m',
      memory: '512Mi',
    });
    expect(podSpec(find(objects.prod, 'Deployment', 'worker')).containers[0].resources.requests, 'the chart worker requests in prod').toEqual({
      cpu: '500m',
      memory: '1Gi',
    });
  });
});
