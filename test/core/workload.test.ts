import { describe, expect, it } from 'vitest';
import { WebApp, WebAppProps } from '../../lib/web-app';
import { PersistentClaim } from '../../lib/persistent-claim';
import { ExternalSecretSource } from '../../lib/core/secrets';
import { Worker } from '../../lib/worker';
import { AutoscaledBackend } from '../../lib/autoscaled-backend';
import { CONFIG_CHECKSUM_ANNOTATION, SECRET_RELOAD_ANNOTATION, SECURITY_EXCEPTIONS_ANNOTATION, parseImage } from '../../lib/core/workload';
import { EnvironmentInput } from '../../lib/environment';
import { container, environment, errors, find, podSpec, synth, testSystem, warnings } from '../helpers';

const IMAGE = 'ghcr.io/example/app:v2.0.0';

/** Synthesizes one WebApp named `app` and returns its pod spec, main container and all objects. */
function build(props: Partial<WebAppProps> = {}, env: EnvironmentInput = environment()) {
  const system = testSystem(env);
  new WebApp(system, 'app', { image: IMAGE, ...props });
  const objects = synth(system);
  const deployment = find(objects, 'Deployment', 'app');
  const pod = podSpec(deployment);
  return { system, objects, deployment, pod, main: container(pod, 'app') };
}

function buildErrors(props: Partial<WebAppProps>, env: EnvironmentInput = environment()): string {
  const system = testSystem(env);
  new WebApp(system, 'app', { image: IMAGE, ...props });
  return errors(system).join('\n');
}

describe('hardened pods (Pod Security Standards "restricted")', () => {
  it('runs as a numeric non-root user with RuntimeDefault seccomp, no privilege escalation and no capabilities', () => {
    const { pod, main } = build();
    expect(pod.securityContext).toEqual({
      runAsNonRoot: true,
      runAsUser: 1000,
      runAsGroup: 1000,
      fsGroup: 1000,
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(main.securityContext).toEqual({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      runAsNonRoot: true,
      capabilities: { drop: ['ALL'] },
    });
  });

  it('adds supplemental groups, which the restricted profile allows', () => {
    const { pod, objects } = build({ security: { supplementalGroups: [998] } });
    expect(pod.securityContext.supplementalGroups).toEqual([998]);
    expect(find(objects, 'Namespace', 'shop-dev').metadata.labels['pod-security.kubernetes.io/enforce']).toBe('restricted');
  });

  it('mounts a writable /tmp on a read-only root file system', () => {
    const { pod, main } = build();
    expect(pod.volumes).toContainEqual({ name: 'tmp', emptyDir: {} });
    expect(main.volumeMounts).toContainEqual({ name: 'tmp', mountPath: '/tmp' });
  });

  it('has its own ServiceAccount without a mounted token and no service links', () => {
    const { pod, objects } = build();
    expect(find(objects, 'ServiceAccount', 'app').automountServiceAccountToken).toBe(false);
    expect(pod.serviceAccountName).toBe('app');
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(pod.enableServiceLinks).toBe(false);
  });

  it('hardens init containers and sidecars the same way', () => {
    const { pod } = build({
      initContainers: [{ name: 'prepare', command: ['sh', '-c', 'true'] }],
      sidecars: [{ name: 'proxy', image: 'envoyproxy/envoy:v1.30.1' }],
    });
    for (const name of ['prepare', 'proxy']) {
      expect(container(pod, name).securityContext).toMatchObject({ allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } });
    }
    expect(container(pod, 'prepare').image).toBe(IMAGE);
    expect(container(pod, 'proxy').image).toBe('envoyproxy/envoy:v1.30.1');
    expect(container(pod, 'proxy').resources).toEqual({ requests: { cpu: '50m', memory: '64Mi' }, limits: { cpu: '250m', memory: '128Mi' } });
  });

  it('refuses a hostPath volume unless the environment declares the exception', () => {
    const docker = { volumes: [{ name: 'docker-sock', mountPath: '/var/run/docker.sock', hostPath: { path: '/var/run/docker.sock', type: 'Socket' } }] };
    expect(buildErrors(docker)).toMatch(/spec.volumes\[docker-sock\].*"hostPath".*Fix: .*exceptions: \[\{ workload: 'app', allow: \['hostPath'\]/);
  });

  it('applies a declared exception visibly: annotated on the pod, and the namespace enforces the level the pod meets', () => {
    const env = environment('dev', { exceptions: [{ workload: 'app', allow: ['hostPath'], reason: 'runs user code in Docker' }] });
    const { deployment, objects } = build(
      { volumes: [{ name: 'docker-sock', mountPath: '/var/run/docker.sock', hostPath: { path: '/var/run/docker.sock', type: 'Socket' } }] },
      env,
    );
    expect(deployment.spec.template.metadata.annotations[SECURITY_EXCEPTIONS_ANNOTATION]).toBe('hostPath: runs user code in Docker');
    const namespace = find(objects, 'Namespace', 'shop-dev');
    expect(namespace.metadata.labels['pod-security.kubernetes.io/enforce']).toBe('privileged');
    expect(namespace.metadata.labels['pod-security.kubernetes.io/warn']).toBe('restricted');
  });

  it('enforces restricted on a namespace whose pods need no exception', () => {
    const { objects } = build();
    expect(find(objects, 'Namespace', 'shop-dev').metadata.labels['pod-security.kubernetes.io/enforce']).toBe('restricted');
  });

  it('lowers to baseline for running as root, and needs both root exceptions', () => {
    expect(buildErrors({ security: { runAsRoot: true } })).toMatch(/"runAsNonRoot"/);
    const env = environment('dev', { exceptions: [{ workload: 'app', allow: ['runAsNonRoot', 'runAsUser'], reason: 'legacy image writes to /root' }] });
    const { pod, objects } = build({ security: { runAsRoot: true } }, env);
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: false, runAsUser: 0 });
    expect(find(objects, 'Namespace', 'shop-dev').metadata.labels['pod-security.kubernetes.io/enforce']).toBe('baseline');
  });

  it('needs an exception for a writable root file system, which does not lower the namespace', () => {
    expect(buildErrors({ security: { readOnlyRootFilesystem: false } })).toMatch(/writableRootFilesystem/);
    const env = environment('dev', {
      exceptions: [{ workload: 'app', allow: ['writableRootFilesystem'], reason: 'nginx writes its pid file under /var/run' }],
    });
    const { objects } = build({ security: { readOnlyRootFilesystem: false } }, env);
    expect(find(objects, 'Namespace', 'shop-dev').metadata.labels['pod-security.kubernetes.io/enforce']).toBe('restricted');
  });

  it('warns about a declared exception that no setting needs', () => {
    const system = testSystem(environment('dev', { exceptions: [{ workload: 'app', allow: ['hostPath'], reason: 'not needed any more' }] }));
    new WebApp(system, 'app', { image: IMAGE });
    expect(warnings(system).join('\n')).toMatch(/exception "hostPath" is declared but not needed/);
  });
});

describe('probes', () => {
  it('renders http, tcp and exec probes with their timings', () => {
    const { main } = build({
      probes: {
        startup: { http: '/liveness', periodSeconds: 3, failureThreshold: 10 },
        liveness: { exec: ['cat', '/tmp/alive'] },
        readiness: { tcp: 8090, timeoutSeconds: 2 },
      },
    });
    expect(main.startupProbe).toEqual({ httpGet: { path: '/liveness', port: 'http' }, periodSeconds: 3, failureThreshold: 10 });
    expect(main.livenessProbe).toEqual({ exec: { command: ['cat', '/tmp/alive'] } });
    expect(main.readinessProbe).toEqual({ tcpSocket: { port: 8090 }, timeoutSeconds: 2 });
  });

  it('warns when liveness and readiness are the same check', () => {
    const system = testSystem();
    new WebApp(system, 'app', { image: IMAGE, probes: { liveness: { http: '/health' }, readiness: { http: '/health' } } });
    expect(warnings(system).join('\n')).toMatch(/probes.liveness: liveness and readiness are the same check/);
  });

  it('reports an HTTP probe without a port beside the other findings of the construct, instead of throwing', () => {
    const system = testSystem();
    expect(
      () =>
        new Worker(system, 'jobs', {
          image: IMAGE,
          env: { API_TOKEN: 'hunter2-in-clear' },
          probes: { liveness: { http: '/live' } },
        }),
    ).not.toThrow();
    const found = errors(system);
    expect(found).toContainEqual(expect.stringMatching(/Worker "jobs": env\.API_TOKEN: looks like a secret value written in clear/));
    expect(found).toContainEqual(
      expect.stringMatching(
        /Worker "jobs": probes\.liveness\.port: an HTTP probe on a workload that serves no port needs its own port Fix: set probes\.liveness\.port$/,
      ),
    );
  });

  it('refuses a relative probe path', () => {
    expect(buildErrors({ probes: { readiness: { http: 'health' } } })).toMatch(/probes.readiness/);
  });
});

describe('resources', () => {
  it('sets requests and limits, scaled by the environment', () => {
    const resources = { requests: { cpu: '500m', memory: '768Mi' }, limits: { cpu: '1', memory: '1Gi' } };
    expect(build({ resources }).main.resources).toEqual(resources);
    const half = build({ resources }, environment('dev', { scaling: { resources: 0.5 } }));
    expect(half.main.resources).toEqual({ requests: { cpu: '250m', memory: '384Mi' }, limits: { cpu: '500m', memory: '512Mi' } });
  });

  it('takes a per-workload override from the environment', () => {
    const override = { requests: { cpu: '250m', memory: '256Mi' }, limits: { cpu: '1', memory: '512Mi' } };
    expect(build({}, environment('dev', { workloads: { app: { resources: override } } })).main.resources).toEqual(override);
  });

  it('refuses a request above its limit', () => {
    expect(buildErrors({ resources: { requests: { cpu: '2', memory: '1Gi' }, limits: { cpu: '1', memory: '1Gi' } } })).toMatch(
      /resources.requests.cpu: request 2 is above the limit 1/,
    );
  });
});

describe('graceful shutdown', () => {
  it('pauses in preStop inside the grace period', () => {
    const { pod, main } = build({ shutdown: { gracePeriodSeconds: 120, preStopSeconds: 10 } });
    expect(pod.terminationGracePeriodSeconds).toBe(120);
    expect(main.lifecycle).toEqual({ preStop: { exec: { command: ['sleep', '10'] } } });
  });

  it('omits the pause when set to 0', () => {
    expect(build({ shutdown: { preStopSeconds: 0 } }).main.lifecycle).toBeUndefined();
  });

  it('refuses a pause that uses the whole grace period', () => {
    expect(buildErrors({ shutdown: { gracePeriodSeconds: 10, preStopSeconds: 10 } })).toMatch(
      /shutdown.preStopSeconds: .*Fix: raise shutdown.gracePeriodSeconds/,
    );
  });
});

describe('configuration and secrets', () => {
  it('writes config to a ConfigMap loaded as env, and rolls the pods when it changes', () => {
    const a = build({ config: { LOG_LEVEL: 'info' } });
    expect(find(a.objects, 'ConfigMap', 'app-config').data).toEqual({ LOG_LEVEL: 'info' });
    expect(a.main.envFrom).toContainEqual({ configMapRef: { name: 'app-config' } });
    const b = build({ config: { LOG_LEVEL: 'debug' } });
    const annotation = (d: any) => d.spec.template.metadata.annotations[CONFIG_CHECKSUM_ANNOTATION];
    expect(annotation(a.deployment)).not.toBe(annotation(b.deployment));
  });

  it('references secrets by name or through an ExternalSecret, never by value', () => {
    const system = testSystem();
    const store = new ExternalSecretSource(system, 'app-secrets', { store: { name: 'vault' }, keys: { MONGODB_URI: 'app/mongodb-uri' } });
    new WebApp(system, 'app', { image: IMAGE, secrets: ['existing-secret', store] });
    const objects = synth(system);
    const external = find(objects, 'ExternalSecret', 'app-secrets');
    expect(external.apiVersion).toBe('external-secrets.io/v1');
    expect(external.spec).toMatchObject({
      secretStoreRef: { name: 'vault', kind: 'ClusterSecretStore' },
      target: { name: 'app-secrets', creationPolicy: 'Owner' },
      data: [{ secretKey: 'MONGODB_URI', remoteRef: { key: 'app/mongodb-uri' } }],
    });
    expect(container(podSpec(find(objects, 'Deployment', 'app')), 'app').envFrom).toEqual([
      { secretRef: { name: 'existing-secret' } },
      { secretRef: { name: 'app-secrets' } },
    ]);
    expect(objects.filter((o) => o.kind === 'Secret')).toEqual([]);
  });

  it('rolls the pods when a Secret they read changes: the Deployment names every one for Stakater Reloader', () => {
    const system = testSystem();
    const store = new ExternalSecretSource(system, 'app-secrets', { store: { name: 'vault' }, keys: { MONGODB_URI: 'app/mongodb-uri' } });
    new WebApp(system, 'app', {
      image: IMAGE,
      secrets: ['existing-secret', store],
      env: { REDIS_PASSWORD: { secret: 'redis-auth', key: 'password' } },
      volumes: [{ name: 'certs', mountPath: '/certs', secret: 'app-tls' }],
      sidecars: [{ name: 'side', env: { TOKEN: { secret: 'existing-secret', key: 'token' } } }],
    });
    new Worker(system, 'worker', { image: IMAGE, secrets: ['worker-secrets'] });
    new Worker(system, 'plain', { image: IMAGE });
    const objects = synth(system);
    const reload = (name: string) => find(objects, 'Deployment', name).metadata.annotations?.[SECRET_RELOAD_ANNOTATION];
    expect(SECRET_RELOAD_ANNOTATION).toBe('secret.reloader.stakater.com/reload');
    expect(reload('app'), 'env, envFrom, volumes and sidecars, each once, sorted').toBe('app-secrets,app-tls,existing-secret,redis-auth');
    expect(reload('worker')).toBe('worker-secrets');
    expect(reload('plain'), 'no Secret, no annotation').toBeUndefined();
    expect(
      find(objects, 'Deployment', 'app').spec.template.metadata.annotations?.[SECRET_RELOAD_ANNOTATION],
      'on the Deployment, where Reloader reads it, not on the pods',
    ).toBeUndefined();
  });

  it('refuses a secret value written in clear in env or config', () => {
    expect(buildErrors({ env: { API_SECRET_KEY: 'change-me' } })).toMatch(/env.API_SECRET_KEY: looks like a secret value.*Fix: reference it instead/);
    expect(buildErrors({ config: { DATABASE_URL: 'postgres://app:hunter2@db:5432/app' } })).toMatch(/config.DATABASE_URL: looks like a secret value/);
    expect(buildErrors({ env: { SECRETS_URL: 'http://admin:hunter2@secrets:7777' } }), 'a password in a URL, whatever the name').toMatch(
      /env.SECRETS_URL: looks like a secret value/,
    );
    expect(buildErrors({ env: { SECRET_KEY_BASE: 'abc123' } })).toMatch(/env.SECRET_KEY_BASE: looks like a secret value/);
  });

  it('accepts settings about secrets that are not secrets: where they are served, how a token cookie is scoped', () => {
    const settings = {
      SECRETS_URL: 'http://kdcube-secrets:7777',
      SECRETS_PROVIDER: 'local',
      TOKEN_COOKIES_DOMAIN: 'example.com',
      TOKEN_COOKIES_SAMESITE: 'strict',
      ID_TOKEN_HEADER_NAME: 'X-ID-Token',
    };
    expect(buildErrors({ env: settings, config: settings })).toBe('');
  });

  it('renders env by value, from Secret and ConfigMap keys and pod fields, in order, with $(VAR) expansion', () => {
    const { main } = build({
      env: {
        REDIS_PASSWORD: { secret: 'redis', key: 'password' },
        REDIS_URL: 'redis://:$(REDIS_PASSWORD)@redis:6379/0',
        REGION: { configMap: 'cluster-info', key: 'region' },
        POD_NAME: { field: 'metadata.name' },
      },
    });
    expect(main.env).toEqual([
      { name: 'REDIS_PASSWORD', valueFrom: { secretKeyRef: { name: 'redis', key: 'password' } } },
      { name: 'REDIS_URL', value: 'redis://:$(REDIS_PASSWORD)@redis:6379/0' },
      { name: 'REGION', valueFrom: { configMapKeyRef: { name: 'cluster-info', key: 'region' } } },
      { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
    ]);
  });

  it('refuses $(VAR) referring to a variable defined later', () => {
    expect(buildErrors({ env: { URL: 'redis://:$(PASS)@redis', PASS: { secret: 'redis', key: 'password' } } })).toMatch(
      /env.URL: refers to \$\(PASS\), which is not defined before it/,
    );
  });
});

describe('storage', () => {
  it('mounts emptyDir volumes, memory-backed on request', () => {
    const { pod, main } = build({ volumes: [{ name: 'secrets', mountPath: '/run/secrets', emptyDir: { memory: true, sizeLimit: '16Mi' } }] });
    expect(pod.volumes).toContainEqual({ name: 'secrets', emptyDir: { medium: 'Memory', sizeLimit: '16Mi' } });
    expect(main.volumeMounts).toContainEqual({ name: 'secrets', mountPath: '/run/secrets' });
  });

  it('shares a ReadWriteMany claim between workloads', () => {
    const system = testSystem();
    const workdir = new PersistentClaim(system, 'workdir', { size: '20Gi', accessMode: 'ReadWriteMany' });
    new WebApp(system, 'api', { image: IMAGE, volumes: [{ name: 'workdir', mountPath: '/workdir', claim: workdir }] });
    new WebApp(system, 'web', { image: IMAGE, volumes: [{ name: 'workdir', mountPath: '/workdir', claim: workdir }] });
    const objects = synth(system);
    expect(find(objects, 'PersistentVolumeClaim', 'workdir').spec).toEqual({ accessModes: ['ReadWriteMany'], resources: { requests: { storage: '20Gi' } } });
    for (const name of ['api', 'web']) {
      expect(podSpec(find(objects, 'Deployment', name)).volumes).toContainEqual({ name: 'workdir', persistentVolumeClaim: { claimName: 'workdir' } });
    }
  });

  it("gives a ReadWriteMany claim without a class the environment's RWX class, and warns when there is none", () => {
    const claims = (env: EnvironmentInput) => {
      const system = testSystem(env);
      new PersistentClaim(system, 'shared', { size: '1Gi', accessMode: 'ReadWriteMany' });
      new PersistentClaim(system, 'own-class', { size: '1Gi', accessMode: 'ReadWriteMany', storageClassName: 'efs-sc' });
      new WebApp(system, 'app', {
        image: IMAGE,
        replicas: 1,
        volumes: [{ name: 'data', mountPath: '/data', claim: { size: '1Gi', accessMode: 'ReadWriteOnce' } }],
      });
      const objects = synth(system);
      const classOf = (name: string) => find(objects, 'PersistentVolumeClaim', name).spec.storageClassName;
      return { classes: [classOf('shared'), classOf('own-class'), classOf('app-data')], warnings: warnings(system) };
    };
    const withClass = claims(environment('dev', { storage: { readWriteManyClass: 'nfs-client' } }));
    expect(withClass.classes, 'RWX takes the environment class, a class of its own wins, RWO keeps the cluster default').toEqual([
      'nfs-client',
      'efs-sc',
      undefined,
    ]);
    expect(withClass.warnings).toEqual([]);
    const without = claims(environment('dev'));
    expect(without.classes).toEqual([undefined, 'efs-sc', undefined]);
    expect(without.warnings).toEqual([
      expect.stringMatching(
        /PersistentClaim "shared": storageClassName: ReadWriteMany, but neither the claim nor the dev environment names a storage class.*stay Pending Fix: set storage: \{ readWriteManyClass: /,
      ),
    ]);
  });

  it('refuses a ReadWriteOnce claim on several replicas', () => {
    expect(buildErrors({ replicas: 2, volumes: [{ name: 'data', mountPath: '/data', claim: { size: '10Gi', accessMode: 'ReadWriteOnce' } }] })).toMatch(
      /volumes\[0\].claim: claim "app-data" is ReadWriteOnce but this workload runs up to 2 replicas.*Fix: use accessMode 'ReadWriteMany'/,
    );
  });

  it('refuses a ReadWriteOnce claim shared by two single-replica workloads', () => {
    const system = testSystem();
    const data = new PersistentClaim(system, 'data', { size: '1Gi', accessMode: 'ReadWriteOnce' });
    new WebApp(system, 'a', { image: IMAGE, replicas: 1, volumes: [{ name: 'data', mountPath: '/data', claim: data }] });
    new WebApp(system, 'b', { image: IMAGE, replicas: 1, volumes: [{ name: 'data', mountPath: '/data', claim: data }] });
    expect(errors(system).join('\n')).toMatch(
      /PersistentClaim "data": accessMode: ReadWriteOnce attaches to one node, but a \(up to 1 replica\), b \(up to 1 replica\) mount it/,
    );
  });

  it('mounts files from a ConfigMap with subPath and rolls the pods when one changes', () => {
    const a = build({ files: { '/etc/nginx/nginx.conf': 'events {}', '/usr/share/nginx/html/config.json': '{"api":"/api"}' } });
    expect(find(a.objects, 'ConfigMap', 'app-files').data).toEqual({ 'config.json': '{"api":"/api"}', 'nginx.conf': 'events {}' });
    expect(a.main.volumeMounts).toContainEqual({ name: 'files', mountPath: '/etc/nginx/nginx.conf', subPath: 'nginx.conf', readOnly: true });
    expect(a.pod.volumes).toContainEqual({ name: 'files', configMap: { name: 'app-files' } });
    const b = build({ files: { '/etc/nginx/nginx.conf': 'events { worker_connections 512; }', '/usr/share/nginx/html/config.json': '{"api":"/api"}' } });
    const annotation = (d: any) => d.spec.template.metadata.annotations[CONFIG_CHECKSUM_ANNOTATION];
    expect(annotation(a.deployment)).not.toBe(annotation(b.deployment));
  });

  it('refuses two volumes with the same name', () => {
    expect(
      buildErrors({
        volumes: [
          { name: 'cache', mountPath: '/cache', emptyDir: {} },
          { name: 'cache', mountPath: '/cache2', emptyDir: {} },
        ],
      }),
    ).toMatch(/volume "cache" appears twice/);
  });
});

describe('escape hatches', () => {
  it('passes command, args and scheduling through', () => {
    const { pod, main } = build({
      command: ['gunicorn'],
      args: ['--workers', '1'],
      scheduling: {
        nodeSelector: { 'node.kubernetes.io/pool': 'web' },
        tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'web', effect: 'NoSchedule' }],
        priorityClassName: 'high',
      },
    });
    expect(main.command).toEqual(['gunicorn']);
    expect(main.args).toEqual(['--workers', '1']);
    expect(pod.nodeSelector).toEqual({ 'node.kubernetes.io/pool': 'web' });
    expect(pod.tolerations).toEqual([{ key: 'dedicated', operator: 'Equal', value: 'web', effect: 'NoSchedule' }]);
    expect(pod.priorityClassName).toBe('high');
  });

  it('starts the main container and init containers in the directory given', () => {
    const { pod, main } = build({
      workingDir: '/app/packages/python',
      initContainers: [{ name: 'check', command: ['true'], workingDir: '/srv' }],
    });
    expect(main.workingDir).toBe('/app/packages/python');
    expect(container(pod, 'check').workingDir).toBe('/srv');
    expect(build().main, 'the image WORKDIR applies when none is given').not.toHaveProperty('workingDir');
  });

  it('refuses a relative working directory, naming the field', () => {
    expect(buildErrors({ workingDir: 'packages/python' })).toMatch(/workingDir: must be an absolute path/);
    expect(buildErrors({ sidecars: [{ name: 'side', workingDir: 'srv' }] })).toMatch(/sidecars\[0\]\.workingDir: must be an absolute path/);
  });

  it('exposes the underlying objects', () => {
    const system = testSystem();
    const app = new WebApp(system, 'app', { image: IMAGE });
    app.deployment!.metadata.addAnnotation('example.com/owner', 'team-a');
    expect(find(synth(system), 'Deployment', 'app').metadata.annotations).toEqual({ 'example.com/owner': 'team-a' });
  });
});

describe('images', () => {
  it('pins the environment tag or digest over the construct tag and pulls pinned images once', () => {
    const digest = `sha256:${'a'.repeat(64)}`;
    const tagged = build({}, environment('dev', { images: { app: 'v3.1.0' } }));
    expect(tagged.main.image).toBe('ghcr.io/example/app:v3.1.0');
    expect(tagged.main.imagePullPolicy).toBe('IfNotPresent');
    const pinned = build({}, environment('prod', { images: { app: digest } }));
    expect(pinned.main.image).toBe(`ghcr.io/example/app@${digest}`);
    expect(pinned.deployment.metadata.labels['app.kubernetes.io/version']).toBe('sha256-aaaaaaaaaaaa');
  });

  it("tags an untagged image with the environment's build, so each build rolls the pods; tags, digests and pins win", () => {
    const system = testSystem(environment('dev', { build: 'sha-3f2c1a9', images: { pinned: 'v9.9.9' } }));
    new WebApp(system, 'app', { image: 'ghcr.io/example/app', sidecars: [{ name: 'proxy', image: 'ghcr.io/example/proxy' }] });
    new WebApp(system, 'tagged', { image: 'ghcr.io/example/app:v2.0.0' });
    new WebApp(system, 'digested', { image: `ghcr.io/example/app@sha256:${'b'.repeat(64)}` });
    new WebApp(system, 'pinned', { image: 'ghcr.io/example/app' });
    const objects = synth(system);
    const app = find(objects, 'Deployment', 'app');
    expect(container(podSpec(app), 'app').image).toBe('ghcr.io/example/app:sha-3f2c1a9');
    expect(container(podSpec(app), 'app').imagePullPolicy, 'a build tag is pulled once').toBe('IfNotPresent');
    expect(app.metadata.labels['app.kubernetes.io/version']).toBe('sha-3f2c1a9');
    expect(container(podSpec(app), 'proxy').image, 'a sidecar image of its own is not the build').toBe('ghcr.io/example/proxy');
    expect(container(podSpec(find(objects, 'Deployment', 'tagged')), 'tagged').image).toBe('ghcr.io/example/app:v2.0.0');
    expect(container(podSpec(find(objects, 'Deployment', 'digested')), 'digested').image).toBe(`ghcr.io/example/app@sha256:${'b'.repeat(64)}`);
    expect(container(podSpec(find(objects, 'Deployment', 'pinned')), 'pinned').image).toBe('ghcr.io/example/app:v9.9.9');
    const next = testSystem(environment('dev', { build: 'sha-77e0d41' }));
    new WebApp(next, 'app', { image: 'ghcr.io/example/app' });
    expect(find(synth(next), 'Deployment', 'app').spec.template, 'the next build changes the pod template').not.toEqual(app.spec.template);
  });

  it('re-pulls a mutable tag outside prod', () => {
    expect(build({ image: 'ghcr.io/example/app:latest' }).main.imagePullPolicy).toBe('Always');
  });

  it('parses registries with ports', () => {
    expect(parseImage('registry.local:5000/team/app:v1')).toEqual({ repository: 'registry.local:5000/team/app', tag: 'v1', digest: undefined });
    expect(parseImage('registry.local:5000/team/app')).toEqual({ repository: 'registry.local:5000/team/app', digest: undefined });
  });
});

describe('Service type: NodePort, as charts offer it', () => {
  const PROBES = { liveness: { http: '/live' }, readiness: { http: '/ready' } } as const;

  it('is ClusterIP unless asked, for every served construct', () => {
    const system = testSystem();
    new WebApp(system, 'web', { image: IMAGE });
    new AutoscaledBackend(system, 'api', { image: IMAGE, probes: PROBES });
    new Worker(system, 'redis', { image: 'redis:7.2', port: 6379, singleton: true });
    const objects = synth(system);
    for (const name of ['web', 'api', 'redis']) {
      const service = find(objects, 'Service', name);
      expect(service.spec.type, `${name} Service type`).toBe('ClusterIP');
      expect(service.spec.ports[0], `${name} has no node port`).not.toHaveProperty('nodePort');
    }
  });

  it('opens a fixed node port, and admits every source on the workload port, since clients arrive through any node', () => {
    const system = testSystem();
    new AutoscaledBackend(system, 'api', { image: IMAGE, probes: PROBES, service: { type: 'NodePort', nodePort: 30081 } });
    new WebApp(system, 'web', { image: IMAGE, port: 8000, service: { type: 'NodePort', nodePort: 30517 } });
    new Worker(system, 'cache', { image: 'redis:7.2', port: 6379, singleton: true, service: { type: 'NodePort' } });
    const objects = synth(system);
    expect(find(objects, 'Service', 'api').spec).toMatchObject({
      type: 'NodePort',
      ports: [{ name: 'http', port: 8000, targetPort: 'http', nodePort: 30081, protocol: 'TCP' }],
    });
    expect(find(objects, 'Service', 'web').spec).toMatchObject({ type: 'NodePort', ports: [{ port: 8000, nodePort: 30517 }] });
    expect(find(objects, 'Service', 'cache').spec.type, 'the API server picks the port').toBe('NodePort');
    expect(find(objects, 'Service', 'cache').spec.ports[0]).not.toHaveProperty('nodePort');
    expect(find(objects, 'NetworkPolicy', 'allow-api').spec.ingress, 'a rule without from: any source, on the port').toEqual([
      { ports: [{ port: 8000, protocol: 'TCP' }] },
    ]);
    expect(find(objects, 'NetworkPolicy', 'allow-cache').spec.ingress).toEqual([{ ports: [{ port: 6379, protocol: 'TCP' }] }]);
  });

  it('is refused in prod and warned about in staging: it bypasses the TLS edge', () => {
    const define = (tier: 'staging' | 'prod') => {
      const system = testSystem(environment(tier));
      new WebApp(system, 'web', { image: IMAGE, service: { type: 'NodePort', nodePort: 30517 } });
      return system;
    };
    expect(errors(define('prod')).join('\n')).toMatch(
      /WebApp "web": service\.type: a NodePort Service serves its ports on port 30517 of every node, around the TLS edge.*Fix: route the outside in through a TlsIngress/,
    );
    expect(warnings(define('staging')).join('\n')).toMatch(/service\.type: a NodePort Service serves its ports/);
  });

  it('refuses a node port outside 30000-32767, one without type NodePort, and a Service on a worker without a port', () => {
    expect(buildErrors({ service: { type: 'NodePort', nodePort: 8080 } })).toMatch(/service\.nodePort: must be in the node port range 30000-32767/);
    expect(buildErrors({ service: { type: 'NodePort', nodePort: 40000 } })).toMatch(/service\.nodePort: must be in the node port range 30000-32767/);
    expect(buildErrors({ service: { nodePort: 30081 } })).toMatch(/service\.nodePort: applies only to type 'NodePort' or 'LoadBalancer'\. Fix: set the type/);
    expect(buildErrors({ service: { type: 'ExternalName' as any } })).toMatch(/service\.type: Invalid option/);
    const system = testSystem();
    new Worker(system, 'jobs', { image: IMAGE, service: { type: 'NodePort' } });
    expect(errors(system).join('\n')).toMatch(/Worker "jobs": service: a worker has a Service only with a port/);
  });
});

describe('metrics', () => {
  const monitoringPeer = { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } };
  const annotationsOnly = environment('dev', { monitoring: { namespace: 'monitoring', discovery: 'annotations' } });

  it("scrapes the served port through the workload's Service when the metrics are served there", () => {
    const { objects, main, deployment } = build({ port: 8090, metrics: { interval: '30s' } });
    expect(main.ports, 'no second name for the same port').toEqual([{ name: 'http', containerPort: 8090, protocol: 'TCP' }]);
    const service = find(objects, 'Service', 'app');
    expect(service.metadata.labels['shipshape.io/metrics']).toBe('true');
    expect(service.spec.ports.map((p: any) => p.name)).toEqual(['http']);
    const monitor = find(objects, 'ServiceMonitor', 'app');
    expect(monitor.apiVersion).toBe('monitoring.coreos.com/v1');
    expect(monitor.spec).toEqual({
      selector: { matchLabels: { 'app.kubernetes.io/name': 'app', 'app.kubernetes.io/instance': 'shop', 'shipshape.io/metrics': 'true' } },
      endpoints: [{ port: 'http', path: '/metrics', interval: '30s' }],
    });
    expect(deployment.spec.template.metadata.annotations ?? {}, 'one discovery: no prometheus.io annotations beside the ServiceMonitor').not.toHaveProperty(
      'prometheus.io/scrape',
    );
    expect(find(objects, 'NetworkPolicy', 'allow-monitoring-app').spec.ingress).toEqual([{ from: [monitoringPeer], ports: [{ port: 8090, protocol: 'TCP' }] }]);
  });

  it('names a separate metrics port `metrics` on the container and the Service and admits only that port to monitoring', () => {
    const { objects, main } = build({ metrics: { port: 9464, path: '/internal/metrics' } });
    expect(main.ports).toEqual([
      { name: 'http', containerPort: 3000, protocol: 'TCP' },
      { name: 'metrics', containerPort: 9464, protocol: 'TCP' },
    ]);
    expect(find(objects, 'Service', 'app').spec.ports.map((p: any) => [p.name, p.port])).toEqual([
      ['http', 3000],
      ['metrics', 9464],
    ]);
    expect(find(objects, 'ServiceMonitor', 'app').spec.endpoints).toEqual([{ port: 'metrics', path: '/internal/metrics' }]);
    expect(find(objects, 'NetworkPolicy', 'allow-monitoring-app').spec.ingress[0].ports).toEqual([{ port: 9464, protocol: 'TCP' }]);
  });

  it('gives a workload without a Service, or with one open on the nodes, a headless metrics Service', () => {
    const system = testSystem(environment('dev', { monitoring: { namespace: 'monitoring', serviceMonitorLabels: { release: 'kube-prometheus-stack' } } }));
    new Worker(system, 'jobs', { image: IMAGE, metrics: { port: 9100 } });
    new WebApp(system, 'edge', { image: IMAGE, service: { type: 'NodePort' }, metrics: {} });
    const objects = synth(system);
    const jobs = find(objects, 'Service', 'jobs-metrics');
    expect(jobs.spec).toMatchObject({ clusterIP: 'None', ports: [{ name: 'metrics', port: 9100, targetPort: 'metrics' }] });
    expect(jobs.metadata.labels['shipshape.io/metrics']).toBe('true');
    expect(find(objects, 'ServiceMonitor', 'jobs').metadata.labels).toMatchObject({ release: 'kube-prometheus-stack', 'app.kubernetes.io/name': 'jobs' });
    expect(find(objects, 'Service', 'edge').metadata.labels, 'the NodePort Service is not scraped').not.toHaveProperty('shipshape.io/metrics');
    expect(find(objects, 'Service', 'edge-metrics').spec.ports).toEqual([{ name: 'http', port: 3000, targetPort: 'http', protocol: 'TCP' }]);
  });

  it('writes the prometheus.io annotations instead, and no ServiceMonitor, with annotations discovery', () => {
    const { objects, deployment } = build({ metrics: { port: 9464, path: '/internal/metrics' } }, annotationsOnly);
    expect(deployment.spec.template.metadata.annotations).toMatchObject({
      'prometheus.io/scrape': 'true',
      'prometheus.io/port': '9464',
      'prometheus.io/path': '/internal/metrics',
    });
    expect(objects.filter((o) => o.kind === 'ServiceMonitor')).toEqual([]);
    expect(find(objects, 'Service', 'app').spec.ports.map((p: any) => p.name)).toEqual(['http']);
  });

  it('admits nothing and adds no port without metrics', () => {
    const { objects, main, deployment } = build();
    expect(main.ports).toEqual([{ name: 'http', containerPort: 3000, protocol: 'TCP' }]);
    expect(deployment.spec.template.metadata.annotations ?? {}).not.toHaveProperty('prometheus.io/scrape');
    expect(objects.filter((o) => o.kind === 'NetworkPolicy' && o.metadata.name.startsWith('allow-monitoring'))).toEqual([]);
    expect(objects.filter((o) => o.kind === 'ServiceMonitor')).toEqual([]);
  });

  it('refuses a metrics port whose name another port holds', () => {
    expect(buildErrors({ metrics: { port: 9464 }, service: { extraPorts: [{ name: 'metrics', port: 9000 }] } })).toMatch(
      /service\.extraPorts: the port name "metrics" is taken by port 9000, but metrics\.port is 9464/,
    );
  });
});

describe('Service ports, types and annotations', () => {
  it('names a TCP service port after its protocol, with an appProtocol, on the container and the Service', () => {
    const system = testSystem();
    new Worker(system, 'redis', {
      image: 'redis:7.2.4-alpine',
      port: 6379,
      singleton: true,
      service: { portName: 'redis', appProtocol: 'redis' },
      probes: { liveness: { tcp: 'redis' } },
    });
    const objects = synth(system);
    const pod = podSpec(find(objects, 'Deployment', 'redis'));
    expect(container(pod, 'redis').ports).toEqual([{ name: 'redis', containerPort: 6379, protocol: 'TCP' }]);
    expect(container(pod, 'redis').livenessProbe.tcpSocket).toEqual({ port: 'redis' });
    expect(find(objects, 'Service', 'redis').spec.ports).toEqual([{ name: 'redis', port: 6379, targetPort: 'redis', protocol: 'TCP', appProtocol: 'redis' }]);
  });

  it('declares extra named ports on the container and the Service', () => {
    const { objects, main } = build({ service: { extraPorts: [{ name: 'grpc', port: 9090, appProtocol: 'kubernetes.io/h2c' }] } });
    expect(main.ports.map((p: any) => [p.name, p.containerPort])).toEqual([
      ['http', 3000],
      ['grpc', 9090],
    ]);
    expect(find(objects, 'Service', 'app').spec.ports[1]).toEqual({
      name: 'grpc',
      port: 9090,
      targetPort: 'grpc',
      protocol: 'TCP',
      appProtocol: 'kubernetes.io/h2c',
    });
  });

  it('makes a LoadBalancer Service with its annotations, admits every source on its ports, and refuses it in prod', () => {
    const service = {
      type: 'LoadBalancer',
      annotations: { 'service.beta.kubernetes.io/aws-load-balancer-scheme': 'internet-facing' },
      extraPorts: [{ name: 'smtp', port: 2525, nodePort: 30025 }],
    } as const;
    const { objects } = build({ service });
    const svc = find(objects, 'Service', 'app');
    expect(svc.spec.type).toBe('LoadBalancer');
    expect(svc.metadata.annotations).toEqual(service.annotations);
    expect(svc.spec.ports[1].nodePort).toBe(30025);
    expect(find(objects, 'NetworkPolicy', 'allow-app').spec.ingress).toEqual([
      {
        ports: [
          { port: 2525, protocol: 'TCP' },
          { port: 3000, protocol: 'TCP' },
        ],
      },
    ]);
    expect(buildErrors({ service }, environment('prod'))).toMatch(
      /service\.type: a LoadBalancer Service serves its ports on a cloud load balancer, around the TLS edge/,
    );
  });

  it('refuses a port name that is not one, a duplicate name or number, and a bad appProtocol', () => {
    expect(buildErrors({ service: { portName: 'HTTP_1' } })).toMatch(/service\.portName: must be a port name/);
    expect(buildErrors({ service: { extraPorts: [{ name: 'http', port: 9000 }] } })).toMatch(
      /service\.extraPorts\[0\]\.name: "http" names another port of the workload already/,
    );
    expect(buildErrors({ service: { extraPorts: [{ name: 'admin', port: 3000 }] } })).toMatch(
      /service\.extraPorts\[0\]\.port: port 3000 is served already.*Fix: give each port its own number/,
    );
    expect(buildErrors({ service: { appProtocol: 'h2c over tls' } })).toMatch(/service\.appProtocol: must be an application protocol such as "redis"/);
    expect(buildErrors({ service: { extraPorts: [{ name: 'grpc', port: 9090, nodePort: 30090 }] } })).toMatch(
      /service\.extraPorts\[0\]\.nodePort: applies only to type 'NodePort' or 'LoadBalancer'/,
    );
  });
});

describe('labels, annotations, workload identity and pull secrets', () => {
  it("adds labels and annotations to every object and the pods, pod-only ones to the pods, under shipshape's", () => {
    const { objects, deployment } = build({
      config: { MODE: 'x' },
      metadata: { labels: { team: 'payments' }, annotations: { 'example.com/owner': 'payments@example.com' } },
      podMetadata: { labels: { 'azure.workload.identity/use': 'true' }, annotations: { 'sidecar.istio.io/inject': 'false' } },
    });
    for (const kind of ['Deployment', 'Service', 'ServiceAccount', 'ConfigMap', 'PodDisruptionBudget']) {
      const object = objects.find((o) => o.kind === kind && o.metadata.name.startsWith('app'))!;
      expect(object.metadata.labels, kind).toMatchObject({ team: 'payments', 'app.kubernetes.io/name': 'app' });
      expect(object.metadata.annotations, kind).toMatchObject({ 'example.com/owner': 'payments@example.com' });
    }
    expect(deployment.spec.selector.matchLabels, 'the selector stays stable').toEqual({
      'app.kubernetes.io/name': 'app',
      'app.kubernetes.io/instance': 'shop',
    });
    expect(deployment.spec.template.metadata.labels).toMatchObject({ team: 'payments', 'azure.workload.identity/use': 'true' });
    expect(deployment.spec.template.metadata.annotations).toMatchObject({ 'example.com/owner': 'payments@example.com', 'sidecar.istio.io/inject': 'false' });
    expect(find(objects, 'Service', 'app').metadata.labels).not.toHaveProperty('azure.workload.identity/use');
  });

  it('annotates the ServiceAccount for cloud workload identity, keeping the API token unmounted', () => {
    const { objects, pod } = build({ serviceAccount: { annotations: { 'eks.amazonaws.com/role-arn': 'arn:aws:iam::123456789012:role/app' } } });
    expect(find(objects, 'ServiceAccount', 'app').metadata.annotations).toEqual({ 'eks.amazonaws.com/role-arn': 'arn:aws:iam::123456789012:role/app' });
    expect(pod.automountServiceAccountToken).toBe(false);
  });

  it('pulls with the given Secrets, declared as made outside but not rolling the pods', () => {
    const { objects, pod, deployment } = build({ imagePullSecrets: ['ghcr-pull'] });
    expect(pod.imagePullSecrets).toEqual([{ name: 'ghcr-pull' }]);
    expect(find(objects, 'Namespace', 'shop-dev').metadata.annotations['shipshape.io/external-secrets']).toContain('ghcr-pull');
    expect(deployment.metadata.annotations ?? {}).not.toHaveProperty(SECRET_RELOAD_ANNOTATION);
  });

  it('refuses the labels shipshape writes, its annotations, and malformed keys', () => {
    const text = buildErrors({
      metadata: {
        labels: { 'app.kubernetes.io/name': 'other', 'app.kubernetes.io/component': 'api', 'bad key': 'x' },
        annotations: { 'shipshape.io/config-checksum': 'x' },
      },
      podMetadata: { labels: { team: 'not a value' } },
      serviceAccount: { annotations: { '/role': 'x' } },
    });
    expect(text).toMatch(/metadata\.labels\.app\.kubernetes\.io\/name: is written by shipshape and cannot be overridden\. Fix: remove it/);
    expect(text).toMatch(/metadata\.labels\.app\.kubernetes\.io\/component: .*Fix: set it with the component prop/);
    expect(text).toMatch(/metadata\.labels\.bad key: must be a label key/);
    expect(text).toMatch(/metadata\.annotations\.shipshape\.io\/config-checksum: shipshape\.io\/ annotations are written by shipshape/);
    expect(text).toMatch(/podMetadata\.labels\.team: must be a label value/);
    expect(text).toMatch(/serviceAccount\.annotations\.\/role: must be an annotation key/);
  });
});

describe('probes: HTTPS, headers and gRPC', () => {
  it('writes the scheme and headers of an HTTP probe, and a gRPC health check', () => {
    const { main } = build({
      probes: { readiness: { http: '/ready', scheme: 'HTTPS', headers: { Host: 'api.example.com' } }, liveness: { grpc: 9090, service: 'liveness' } },
      service: { extraPorts: [{ name: 'grpc', port: 9090 }] },
    });
    expect(main.readinessProbe.httpGet).toEqual({ path: '/ready', port: 'http', scheme: 'HTTPS', httpHeaders: [{ name: 'Host', value: 'api.example.com' }] });
    expect(main.livenessProbe.grpc).toEqual({ port: 9090, service: 'liveness' });
  });

  it('tells apart probes that differ only in scheme, headers or gRPC service', () => {
    const system = testSystem();
    new WebApp(system, 'app', { image: IMAGE, probes: { readiness: { http: '/h', headers: { 'X-Check': 'deep' } }, liveness: { http: '/h' } } });
    expect(warnings(system).join('\n')).not.toMatch(/probes-same-check/);
  });

  it('refuses a scheme, header name or gRPC port that is none', () => {
    const text = buildErrors({
      probes: { readiness: { http: '/r', scheme: 'https' as any, headers: { 'Bad Header': 'x' } }, liveness: { grpc: 'grpc' as any } },
    });
    expect(text).toMatch(/probes\.readiness/);
    expect(buildErrors({ probes: { readiness: { http: '/r', headers: { 'Bad Header': 'x' } } } })).toMatch(
      /probes\.readiness\.headers\.Bad Header: must be an HTTP header name/,
    );
    expect(buildErrors({ probes: { readiness: { http: '/r', scheme: 'https' as any } } })).toMatch(/probes\.readiness\.scheme: must be "HTTP" or "HTTPS"/);
    expect(buildErrors({ probes: { liveness: { grpc: 'grpc' as any } } })).toMatch(
      /probes\.liveness\.grpc: must be the port number \(a gRPC probe takes no port name\)/,
    );
    expect(buildErrors({ probes: { liveness: { grpc: 9090, tcp: 9090 } as any } })).toMatch(
      /probes\.liveness: give exactly one of http, tcp, grpc or exec for a probe \(it has tcp and grpc\)/,
    );
    expect(buildErrors({ probes: { liveness: { http: '/l', service: 'x' } as any } })).toMatch(/probes\.liveness: Unrecognized key: "service"/);
  });
});
