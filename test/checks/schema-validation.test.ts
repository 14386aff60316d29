import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as zlib from 'zlib';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  defaultSchemaLocation,
  defaultSharedDir,
  SchemaIssue,
  SchemaLocation,
  SHIPPED_SWAGGER_FILE,
  sharedSchemaLocation,
  shippedSchemaLocation,
  validateAgainstSchemas,
} from '../../lib/checks/schema-validation';
import { validatorCacheCounts, ValidatorCacheCounts } from '../../lib/checks/validator-cache';
import { ShipshapeError } from '../../lib/core/issues';
import { renderEstate } from '../../lib/estate';
import { systems } from '../../estate';
import { buildSchemas, importedCrdFiles } from '../../tools/build-schemas';
import { tempDirs } from '../temp-dirs';
import { schemasAvailable } from '../support/schemas';

type Json = Record<string, any>;

/** The issues for `objects`, validated against the real `../shared` schemas (an error names a missing file), recorded for the comparison of the cold and the warm pass. */
function validate(...objects: Json[]): SchemaIssue[] {
  const { issues } = validateAgainstSchemas(objects, pass && { location: pass.location });
  if (pass) found[pass.mode].push(issues);
  return issues;
}

/** `path: message` of each issue, the part a test pins down. */
function problems(...objects: Json[]): string[] {
  return validate(...objects).map((issue) => `${issue.path}: ${issue.message}`);
}

const labels = { 'app.kubernetes.io/name': 'backend' };

function deployment(): Json {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'backend', namespace: 'shop', labels },
    spec: {
      replicas: 2,
      selector: { matchLabels: labels },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: 0 } },
      template: {
        metadata: { labels, annotations: { 'checksum/config': 'abc' } },
        spec: {
          securityContext: { runAsNonRoot: true, runAsUser: 1000, seccompProfile: { type: 'RuntimeDefault' } },
          containers: [
            {
              name: 'app',
              image: 'ghcr.io/example/backend:v1',
              ports: [{ name: 'http', containerPort: 8080, protocol: 'TCP' }],
              env: [{ name: 'DB_PASSWORD', valueFrom: { secretKeyRef: { name: 'db', key: 'password' } } }],
              resources: { requests: { cpu: '500m', memory: '256Mi' }, limits: { memory: '1Gi' } },
              readinessProbe: { httpGet: { path: '/ready', port: 'http' }, periodSeconds: 5 },
              securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } },
            },
          ],
          volumes: [{ name: 'tmp', emptyDir: { sizeLimit: '64Mi' } }],
        },
      },
    },
  };
}

const app = (d: Json): Json => d.spec.template.spec.containers[0];
const CONTAINER = '/spec/template/spec/containers/0';

/**
 * The cases below run three times against the same fresh validator cache: cold (every kind compiled
 * and written), warm (every kind loaded from the cache, ajv not used, V8's code cache of each
 * written), and warm with those code caches; each pass starts without the objects earlier passes
 * passed (see `lib/checks/passed-objects.ts`). Each pass reads the schemas through its own links to
 * ../shared, so it cannot reuse an earlier pass's validators in memory. The warm passes must find
 * exactly what the cold one found.
 */
let scratch: string | undefined;
afterAll(() => scratch && fs.rmSync(scratch, { recursive: true, force: true }));
/** The directory of both passes: their validator cache and their links to ../shared. */
const scratchDir = () => (scratch ??= fs.mkdtempSync(path.join(os.tmpdir(), 'shipshape-validator-cache-')));
const found: Record<CacheMode, SchemaIssue[][]> = { cold: [], warm: [], 'code-cached': [] };
let pass: { mode: CacheMode; location: SchemaLocation } | undefined;
type CacheMode = 'cold' | 'warm' | 'code-cached';

/** A fresh directory whose schemas/ and crds/ link to those of ../shared. */
function linkedSharedDir(): SchemaLocation {
  const dir = fs.mkdtempSync(path.join(scratchDir(), 'shared-'));
  const shared = sharedSchemaLocation(defaultSharedDir());
  fs.mkdirSync(path.join(dir, 'schemas'));
  fs.symlinkSync(shared.swaggerFile, path.join(dir, 'schemas', path.basename(shared.swaggerFile)));
  fs.symlinkSync(shared.crdDir, path.join(dir, 'crds'));
  return sharedSchemaLocation(dir);
}

for (const mode of ['cold', 'warm', 'code-cached'] as const) {
  describe.runIf(schemasAvailable)(`validateAgainstSchemas with a ${mode} validator cache`, () => {
    const savedCacheDir = process.env.SHIPSHAPE_CACHE_DIR;
    let before: ValidatorCacheCounts;
    beforeAll(() => {
      process.env.SHIPSHAPE_CACHE_DIR = path.join(scratchDir(), 'cache');
      // Each pass loads its validators: the objects the previous pass passed are forgotten.
      fs.rmSync(path.join(process.env.SHIPSHAPE_CACHE_DIR, 'passed-schema.txt'), { force: true });
      pass = { mode, location: linkedSharedDir() };
      before = validatorCacheCounts();
    });
    afterAll(() => {
      const counts = validatorCacheCounts();
      pass = undefined;
      if (savedCacheDir === undefined) delete process.env.SHIPSHAPE_CACHE_DIR;
      else process.env.SHIPSHAPE_CACHE_DIR = savedCacheDir;
      if (mode === 'cold') {
        expect(counts.hits - before.hits).toBe(0);
        expect(counts.misses - before.misses).toBeGreaterThan(10);
        expect(counts.writes - before.writes).toBe(counts.misses - before.misses);
      } else {
        const hits = counts.hits - before.hits;
        expect(counts.misses - before.misses).toBe(0);
        expect(hits).toBeGreaterThan(10);
        // The warm pass writes a code cache for each validator it loads; the next pass loads each with it.
        expect(mode === 'warm' ? counts.codeCacheWrites - before.codeCacheWrites : counts.codeCacheHits - before.codeCacheHits).toBe(hits);
        expect(found[mode]).toEqual(found.cold);
        expect(found[mode].length).toBeGreaterThan(30);
      }
    });

    describe('built-in kinds (Kubernetes 1.28 swagger)', () => {
      it('accepts valid Deployment, Service, PodDisruptionBudget, HorizontalPodAutoscaler, NetworkPolicy and Namespace objects', () => {
        const objects: Json[] = [
          deployment(),
          {
            apiVersion: 'v1',
            kind: 'Service',
            metadata: { name: 'backend', namespace: 'shop' },
            spec: { type: 'ClusterIP', selector: labels, ports: [{ name: 'http', port: 80, targetPort: 'http', protocol: 'TCP' }] },
          },
          {
            apiVersion: 'policy/v1',
            kind: 'PodDisruptionBudget',
            metadata: { name: 'backend', namespace: 'shop' },
            spec: { maxUnavailable: 1, selector: { matchLabels: labels } },
          },
          {
            apiVersion: 'autoscaling/v2',
            kind: 'HorizontalPodAutoscaler',
            metadata: { name: 'backend', namespace: 'shop' },
            spec: {
              scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'backend' },
              minReplicas: 2,
              maxReplicas: 10,
              metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } } }],
              behavior: { scaleDown: { stabilizationWindowSeconds: 300, policies: [{ type: 'Percent', value: 50, periodSeconds: 60 }] } },
            },
          },
          {
            apiVersion: 'networking.k8s.io/v1',
            kind: 'NetworkPolicy',
            metadata: { name: 'backend', namespace: 'shop' },
            spec: {
              podSelector: { matchLabels: labels },
              policyTypes: ['Ingress', 'Egress'],
              ingress: [
                {
                  from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ingress-nginx' } } }],
                  ports: [{ port: 8080, protocol: 'TCP' }],
                },
              ],
              egress: [{ to: [{ ipBlock: { cidr: '10.0.0.0/8' } }], ports: [{ port: 'dns', protocol: 'UDP' }] }],
            },
          },
          { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop', labels: { 'pod-security.kubernetes.io/enforce': 'restricted' } } },
        ];
        expect(problems(...objects)).toEqual([]);
      });

      it('rejects an unknown top-level field, naming it', () => {
        const d = { ...deployment(), specs: {} };
        expect(problems(d)).toEqual(['/specs: unknown field "specs"']);
      });

      it('rejects an unknown field deep in the pod spec, naming it', () => {
        const d = deployment();
        app(d).securityContext.runAsNonRot = true;
        const issues = validate(d);
        expect(issues).toEqual([
          {
            apiVersion: 'apps/v1',
            kind: 'Deployment',
            name: 'backend',
            namespace: 'shop',
            path: `${CONTAINER}/securityContext/runAsNonRot`,
            message: 'unknown field "runAsNonRot"',
          },
        ]);
      });

      it('rejects unknown fields in metadata too', () => {
        const d = deployment();
        d.metadata.lables = labels;
        expect(problems(d)).toEqual(['/metadata/lables: unknown field "lables"']);
      });

      it('rejects a wrong type with the path of the value', () => {
        const d = deployment();
        app(d).ports[0].containerPort = '8080';
        d.spec.template.spec.securityContext.runAsNonRoot = 'yes';
        expect(problems(d)).toEqual([
          `${CONTAINER}/ports/0/containerPort: must be integer`,
          '/spec/template/spec/securityContext/runAsNonRoot: must be boolean',
        ]);
      });

      it('checks the int32 range of an integer field', () => {
        const d = deployment();
        d.spec.replicas = 2 ** 31;
        expect(problems(d)).toEqual(['/spec/replicas: must be a 32-bit integer']);
      });

      it('rejects a container without a name and a Deployment without spec.selector', () => {
        const d = deployment();
        delete app(d).name;
        delete d.spec.selector;
        expect(problems(d)).toEqual(['/spec/selector: missing required field "selector"', `${CONTAINER}/name: missing required field "name"`]);
      });

      it('requires apiVersion and kind', () => {
        const { apiVersion: _apiVersion, ...noApiVersion } = deployment();
        const { kind: _kind, ...noKind } = deployment();
        expect(problems(noApiVersion, noKind)).toEqual(['/apiVersion: missing required field "apiVersion"', '/kind: missing required field "kind"']);
      });

      it('accepts IntOrString as an integer or a string, and nothing else, in one line', () => {
        const withSurge = (maxSurge: unknown) => {
          const d = deployment();
          d.spec.strategy.rollingUpdate.maxSurge = maxSurge;
          return d;
        };
        expect(problems(withSurge(1), withSurge('25%'))).toEqual([]);
        expect(problems(withSurge(true))).toEqual(['/spec/strategy/rollingUpdate/maxSurge: must be integer or string']);
      });

      it('accepts a Quantity as a number or a string in the quantity grammar', () => {
        const withLimits = (limits: Json) => {
          const d = deployment();
          app(d).resources.limits = limits;
          return d;
        };
        expect(
          problems(withLimits({ cpu: '500m', memory: '1Gi' }), withLimits({ cpu: 2, memory: '1e3' }), withLimits({ cpu: '0.5', memory: '+128974848' })),
        ).toEqual([]);
        expect(problems(withLimits({ cpu: '500m', memory: '1 GB' }))).toEqual([
          `${CONTAINER}/resources/limits/memory: must be a quantity such as "500m", "1Gi", "0.5" or "1e3"`,
        ]);
        expect(problems(withLimits({ cpu: true }))).toEqual([`${CONTAINER}/resources/limits/cpu: must be string or number`]);
      });

      it('treats a null field of a built-in object as not set, as the API server does', () => {
        const d = deployment();
        d.metadata.creationTimestamp = null;
        d.spec.template.metadata.creationTimestamp = null;
        expect(problems(d)).toEqual([]);
        d.metadata.creationTimestamp = 'yesterday';
        expect(problems(d)).toEqual(['/metadata/creationTimestamp: must be an RFC 3339 date-time such as "2024-01-31T12:00:00Z"']);
      });

      it('checks base64 data of a Secret', () => {
        const secret = (data: Json) => ({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'db' }, type: 'Opaque', data });
        expect(problems(secret({ password: Buffer.from('hunter2').toString('base64') }))).toEqual([]);
        expect(problems(secret({ password: 'hunter2' }))).toEqual(['/data/password: must be base64-encoded']);
      });

      it('reports every problem of an object, one line per location', () => {
        const d = deployment();
        d.spec.paused = 'no';
        d.spec.strategy.rollingUpdate.maxSurge = [];
        app(d).imagePullPolicy = 42;
        app(d).command = 'run';
        const found = problems(d);
        expect(found).toEqual([
          '/spec/paused: must be boolean',
          '/spec/strategy/rollingUpdate/maxSurge: must be integer or string',
          `${CONTAINER}/command: must be array`,
          `${CONTAINER}/imagePullPolicy: must be string`,
        ]);
        expect(new Set(found.map((line) => line.split(': ')[0])).size).toBe(found.length);
      });
    });

    describe('custom resources (../shared/crds)', () => {
      const scaledObject = (): Json => ({
        apiVersion: 'keda.sh/v1alpha1',
        kind: 'ScaledObject',
        metadata: { name: 'worker', namespace: 'shop' },
        spec: {
          scaleTargetRef: { name: 'worker' },
          minReplicaCount: 1,
          maxReplicaCount: 20,
          triggers: [{ type: 'rabbitmq', metadata: { queueName: 'jobs', mode: 'QueueLength', value: '20' }, authenticationRef: { name: 'rabbitmq' } }],
        },
      });
      const certificate = (): Json => ({
        apiVersion: 'cert-manager.io/v1',
        kind: 'Certificate',
        metadata: { name: 'shop-tls', namespace: 'shop' },
        spec: {
          secretName: 'shop-tls',
          dnsNames: ['shop.example.com'],
          issuerRef: { name: 'letsencrypt-prod', kind: 'ClusterIssuer', group: 'cert-manager.io' },
          privateKey: { algorithm: 'ECDSA', size: 256, rotationPolicy: 'Always' },
          duration: '2160h',
          renewBefore: '360h',
        },
      });
      const kustomization = (): Json => ({
        apiVersion: 'kustomize.toolkit.fluxcd.io/v1',
        kind: 'Kustomization',
        metadata: { name: 'apps', namespace: 'flux-system' },
        spec: {
          interval: '10m',
          path: './dist/prod/apps',
          prune: true,
          wait: true,
          sourceRef: { kind: 'GitRepository', name: 'estate' },
          dependsOn: [{ name: 'infrastructure' }],
        },
      });
      const externalSecret = (): Json => ({
        apiVersion: 'external-secrets.io/v1',
        kind: 'ExternalSecret',
        metadata: { name: 'db', namespace: 'shop' },
        spec: {
          refreshInterval: '1h',
          secretStoreRef: { kind: 'ClusterSecretStore', name: 'vault' },
          target: { name: 'db', creationPolicy: 'Owner' },
          data: [{ secretKey: 'password', remoteRef: { key: 'shop/db', property: 'password' } }],
        },
      });
      const httpRoute = (): Json => ({
        apiVersion: 'gateway.networking.k8s.io/v1',
        kind: 'HTTPRoute',
        metadata: { name: 'web', namespace: 'shop' },
        spec: {
          parentRefs: [{ name: 'public', namespace: 'gateway', sectionName: 'https' }],
          hostnames: ['shop.example.com'],
          rules: [{ matches: [{ path: { type: 'PathPrefix', value: '/' } }], backendRefs: [{ name: 'web', port: 80 }] }],
        },
      });
      const serviceMonitor = (): Json => ({
        apiVersion: 'monitoring.coreos.com/v1',
        kind: 'ServiceMonitor',
        metadata: { name: 'backend', namespace: 'shop', labels: { release: 'prometheus' } },
        spec: { selector: { matchLabels: labels }, endpoints: [{ port: 'http', path: '/metrics', interval: '30s', targetPort: 8080 }] },
      });

      it('accepts a valid ScaledObject, Certificate, Kustomization, ExternalSecret, HTTPRoute and ServiceMonitor', () => {
        expect(problems(scaledObject(), certificate(), kustomization(), externalSecret(), httpRoute(), serviceMonitor())).toEqual([]);
      });

      it('rejects an unknown field in a custom resource, naming it', () => {
        const cert = certificate();
        cert.spec.dnsName = 'shop.example.com';
        const route = httpRoute();
        route.spec.rules[0].backendRefs[0].weigth = 1;
        expect(problems(cert)).toEqual(['/spec/dnsName: unknown field "dnsName"']);
        expect(problems(route)).toEqual(['/spec/rules/0/backendRefs/0/weigth: unknown field "weigth"']);
      });

      it('checks custom resource metadata against ObjectMeta', () => {
        const so = scaledObject();
        so.metadata.annotation = {};
        expect(problems(so)).toEqual(['/metadata/annotation: unknown field "annotation"']);
      });

      it('rejects wrong types, enum values and missing required fields in a custom resource', () => {
        const flux = kustomization();
        flux.spec.prune = 'true';
        flux.spec.sourceRef.kind = 'HelmRepository';
        delete flux.spec.interval;
        expect(problems(flux)).toEqual([
          '/spec/interval: missing required field "interval"',
          '/spec/prune: must be boolean',
          '/spec/sourceRef/kind: must be one of "OCIRepository", "GitRepository", "Bucket", "ExternalArtifact"',
        ]);
      });

      it('honours x-kubernetes-int-or-string', () => {
        const monitor = serviceMonitor();
        monitor.spec.endpoints.push({ port: 'metrics', targetPort: 'metrics' });
        expect(problems(monitor)).toEqual([]);
        monitor.spec.endpoints[0].targetPort = { port: 8080 };
        expect(problems(monitor)).toEqual(['/spec/endpoints/0/targetPort: must be integer or string']);
      });

      it('honours nullable: null only where the CRD allows it', () => {
        const secret = externalSecret();
        secret.status = { refreshTime: null };
        expect(problems(secret)).toEqual([]);
        secret.spec.refreshInterval = null;
        expect(problems(secret)).toEqual(['/spec/refreshInterval: must be string']);
      });

      it('allows anything under x-kubernetes-preserve-unknown-fields', () => {
        const issuer = {
          apiVersion: 'cert-manager.io/v1',
          kind: 'ClusterIssuer',
          metadata: { name: 'letsencrypt-prod' },
          spec: {
            acme: {
              server: 'https://acme-v02.api.letsencrypt.org/directory',
              privateKeySecretRef: { name: 'letsencrypt-prod' },
              solvers: [{ dns01: { webhook: { groupName: 'acme.example.com', solverName: 'example', config: { anything: { goes: [1, 'two'] } } } } }],
            },
          },
        };
        expect(problems(issuer)).toEqual([]);
      });

      it('applies CRD defaults before validating, as the API server does, and explains a failed oneOf in one line', () => {
        const gateway = (value: string): Json => ({
          apiVersion: 'gateway.networking.k8s.io/v1',
          kind: 'Gateway',
          metadata: { name: 'public', namespace: 'gateway' },
          spec: { gatewayClassName: 'nginx', listeners: [{ name: 'https', port: 443, protocol: 'HTTPS', hostname: '*.example.com' }], addresses: [{ value }] },
        });
        const input = gateway('203.0.113.10');
        expect(problems(input)).toEqual([]);
        // The caller's object is not touched by the defaulting.
        expect(input.spec.addresses[0]).toEqual({ value: '203.0.113.10' });
        const [issue, ...more] = problems(gateway('not-an-ip'));
        expect(more).toEqual([]);
        expect(issue).toMatch(/^\/spec\/addresses\/0: must match one of the allowed forms: .*IPv4 address.*IPv6 address.*/);
      });
    });

    describe('objects without a schema', () => {
      it('reports an unknown apiVersion/kind', () => {
        expect(
          problems(
            { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' } },
            { ...deployment(), apiVersion: 'apps/v1beta1' },
            { apiVersion: 'v1', kind: 'Deployment', metadata: { name: 'd' } },
          ),
        ).toEqual([': no schema for example.com/v1/Widget', ': no schema for apps/v1beta1/Deployment', ': no schema for v1/Deployment']);
      });

      it('says when a CRD knows the version but does not serve it', () => {
        const [issue] = validate({ apiVersion: 'external-secrets.io/v1beta1', kind: 'ExternalSecret', metadata: { name: 'db' }, spec: {} });
        expect(issue.message).toBe('no schema for external-secrets.io/v1beta1/ExternalSecret (its CRD has this version but does not serve it)');
      });
    });
  });
}

describe.runIf(schemasAvailable)('validateAgainstSchemas: objects passed before', () => {
  const savedCacheDir = process.env.SHIPSHAPE_CACHE_DIR;
  afterEach(() => {
    if (savedCacheDir === undefined) delete process.env.SHIPSHAPE_CACHE_DIR;
    else process.env.SHIPSHAPE_CACHE_DIR = savedCacheDir;
  });

  /** Validates in a new catalog (its own links to ../shared), as a new process would: the validators it loads are counted. */
  function validateAfresh(...objects: Json[]): { issues: string[]; loads: number } {
    const before = validatorCacheCounts();
    const { issues } = validateAgainstSchemas(objects, { location: linkedSharedDir() });
    const after = validatorCacheCounts();
    return { issues: issues.map((i) => `${i.path}: ${i.message}`), loads: after.hits + after.misses - before.hits - before.misses };
  }

  it('passes an object that passed under the same validator without loading the validator; checks an invalid or changed one every time', () => {
    process.env.SHIPSHAPE_CACHE_DIR = path.join(scratchDir(), 'passes-cache');
    const invalid = { ...deployment(), spec: { ...deployment().spec, paused: 'no' } };
    expect(validateAfresh(deployment(), invalid)).toEqual({ issues: ['/spec/paused: must be boolean'], loads: 1 });
    expect(validateAfresh(deployment()), 'passed before: the Deployment validator is not even loaded').toEqual({ issues: [], loads: 0 });
    expect(validateAfresh(invalid), 'an issue is never remembered').toEqual({ issues: ['/spec/paused: must be boolean'], loads: 1 });
    const changed = deployment();
    changed.spec.template.spec.containers[0].workingDir = 42;
    expect(validateAfresh(changed).issues).toEqual([`${CONTAINER}/workingDir: must be string`]);
  });

  it('remembers nothing with caching off', () => {
    process.env.SHIPSHAPE_CACHE_DIR = 'off';
    expect(validateAfresh(deployment()).loads).toBe(1);
    expect(validateAfresh(deployment()).loads).toBe(1);
  });
});

describe('validateAgainstSchemas: schema location', () => {
  const saved = { shared: process.env.SHIPSHAPE_SHARED_DIR, switch: process.env.SHIPSHAPE_SCHEMA_VALIDATION };
  const tempDir = tempDirs('shipshape-schemas');
  afterEach(() => {
    for (const [name, value] of [
      ['SHIPSHAPE_SHARED_DIR', saved.shared],
      ['SHIPSHAPE_SCHEMA_VALIDATION', saved.switch],
    ] as const) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  });

  /** The package's build/schemas/, built from ../shared into a fresh directory. */
  function shipped(): SchemaLocation {
    const dir = tempDir();
    buildSchemas(defaultSharedDir(), dir, importedCrdFiles());
    return { swaggerFile: path.join(dir, SHIPPED_SWAGGER_FILE), crdDir: path.join(dir, 'crds') };
  }

  it.runIf(schemasAvailable)('finds the same issues with the shipped schemas as with ../shared, for every kind of the reference estate', () => {
    const objects = [...renderEstate(systems).objects.values()].flat();
    const broken = { ...deployment(), spec: { ...deployment().spec, replicas: 'two', extra: true } };
    const fromShared = validateAgainstSchemas([...objects, broken]);
    const fromShipped = validateAgainstSchemas([...objects, broken], { location: shipped() });
    expect(fromShipped.issues.map((i) => `${i.path}: ${i.message}`)).toEqual(['/spec/extra: unknown field "extra"', '/spec/replicas: must be integer']);
    expect(fromShipped).toEqual(fromShared);
  });

  it('builds without the shared checkout, saying so in one line and shipping no stale schemas', () => {
    const out = shipped().crdDir.replace(/crds$/, '');
    const line = buildSchemas(path.join(__dirname, 'no-such-shared-dir'), out, importedCrdFiles());
    expect(line).toMatch(/^build-schemas: .*no-such-shared-dir\/schemas\/kubernetes-1\.28-swagger\.json not found, so the package is built WITHOUT schemas/);
    expect(line).not.toContain('\n');
    expect(fs.existsSync(out)).toBe(false);
  });

  it.runIf(schemasAvailable)('ships a CRD for every custom resource imported into imports/', () => {
    const crdDir = shipped().crdDir;
    expect(fs.readdirSync(crdDir).sort()).toEqual(importedCrdFiles().map((file) => file.replace('.yaml', '.json.gz')));
    expect(importedCrdFiles()).toContain('cert-manager.io_certificates.yaml');
  });

  // Each case: what is wrong with the schema files, and the file the error must name.
  const broken: [string, (location: SchemaLocation) => string][] = [
    ['the shipped swagger is missing', (l) => (fs.rmSync(l.swaggerFile), l.swaggerFile)],
    ['the shipped swagger is not gzip', (l) => (fs.writeFileSync(l.swaggerFile, '{"definitions": {}}'), l.swaggerFile)],
    ['the shipped swagger is truncated', (l) => (fs.writeFileSync(l.swaggerFile, fs.readFileSync(l.swaggerFile).subarray(0, 100)), l.swaggerFile)],
    ['the shipped swagger is gzipped nonsense', (l) => (fs.writeFileSync(l.swaggerFile, zlib.gzipSync('{"definitions": ')), l.swaggerFile)],
    [
      'a shipped CRD is corrupt',
      (l) => {
        const file = path.join(l.crdDir, 'cert-manager.io_certificates.json.gz');
        fs.writeFileSync(file, zlib.gzipSync('[{"kind": "CustomResourceDefinition", '));
        return file;
      },
    ],
    ['the CRD directory is missing', (l) => (fs.rmSync(l.crdDir, { recursive: true }), l.crdDir)],
  ];
  it.runIf(schemasAvailable).each(broken)('is an error naming the file when %s', (_, breakIt) => {
    const location = shipped();
    const file = breakIt(location);
    const certificate = { apiVersion: 'cert-manager.io/v1', kind: 'Certificate', metadata: { name: 'c' }, spec: { secretName: 's', issuerRef: { name: 'i' } } };
    let error: unknown;
    try {
      validateAgainstSchemas([deployment(), certificate], { location });
    } catch (thrown) {
      error = thrown;
    }
    expect(error).toBeInstanceOf(ShipshapeError);
    const [problem] = (error as ShipshapeError).problems;
    expect(problem).toContain(path.basename(file));
    expect(problem).toMatch(/not found|corrupt|cannot be read/);
    expect(problem).toMatch(/SHIPSHAPE_SCHEMA_VALIDATION=off$/);
  });

  it('is an error naming the file when the shared directory is missing, instead of skipping', () => {
    delete process.env.SHIPSHAPE_SCHEMA_VALIDATION;
    expect(() => validateAgainstSchemas([deployment()], { sharedDir: path.join(__dirname, 'no-such-shared-dir') })).toThrow(
      /no-such-shared-dir\/schemas\/kubernetes-1\.28-swagger\.json: not found/,
    );
  });

  it('skips only when switched off, and says so in one line', () => {
    process.env.SHIPSHAPE_SCHEMA_VALIDATION = 'off';
    const result = validateAgainstSchemas([deployment(), { kind: 'Nonsense' }], { sharedDir: path.join(__dirname, 'no-such-shared-dir') });
    expect(result).toEqual({ issues: [], skipped: 'schema validation skipped: SHIPSHAPE_SCHEMA_VALIDATION=off' });
  });

  it.runIf(schemasAvailable)('defaults to $SHIPSHAPE_SHARED_DIR, else ../shared next to the repository root when present, else the shipped schemas', () => {
    delete process.env.SHIPSHAPE_SHARED_DIR;
    expect(defaultSharedDir()).toBe(path.resolve(__dirname, '../../../shared'));
    expect(defaultSchemaLocation().swaggerFile).toBe(path.resolve(__dirname, '../../../shared/schemas/kubernetes-1.28-swagger.json'));
    process.env.SHIPSHAPE_SHARED_DIR = '/opt/shared';
    expect(defaultSharedDir()).toBe('/opt/shared');
    expect(defaultSchemaLocation().crdDir).toBe('/opt/shared/crds');
    expect(shippedSchemaLocation().swaggerFile).toBe(path.resolve(__dirname, '../../build/schemas/kubernetes-1.28-swagger.json.gz'));
  });
});
