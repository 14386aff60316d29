import { describe, expect, it } from 'vitest';
import { raHcp } from '../../estate/ra-hcp';
import { find, ofKind, podSpec } from '../helpers';
import { systemObjects, systemYaml } from './helpers';

const NAMESPACES = { dev: 'hcp-dev', staging: 'hcp-acc', prod: 'hcp-prod' } as const;
const ENVS = Object.keys(NAMESPACES) as (keyof typeof NAMESPACES)[];

describe.each(ENVS)('ra-hcp in %s', (env) => {
  const { objects } = systemObjects(raHcp, env);
  const backend = find(objects, 'Deployment', 'backend');
  const main = podSpec(backend).containers[0];

  it('matches its snapshot', () => {
    expect(systemYaml(raHcp, env)).toMatchSnapshot();
  });

  it('is one isolated stack in its own namespace', () => {
    expect(ofKind(objects, 'Namespace').map((n) => n.metadata.name)).toEqual([NAMESPACES[env]]);
    expect(new Set(objects.filter((o) => o.kind !== 'Namespace').map((o) => o.metadata.namespace))).toEqual(new Set([NAMESPACES[env]]));
  });

  it('runs gunicorn with one worker per pod, each pod with startup, liveness and readiness probes', () => {
    expect(main.args.slice(0, 2)).toEqual(['--workers', '1']);
    expect(main.env).toContainEqual({ name: 'WEB_CONCURRENCY', value: '1' });
    expect(main.startupProbe).toEqual({ httpGet: { path: '/liveness', port: 'http' }, periodSeconds: 3, failureThreshold: 10 });
    expect(main.livenessProbe.httpGet.path).toBe('/liveness');
    expect(main.readinessProbe.httpGet.path).toBe('/readiness');
  });

  it('is hardened: user 1000, seccomp RuntimeDefault, read-only root with /tmp, no privilege escalation, no capabilities', () => {
    expect(podSpec(backend).securityContext).toMatchObject({
      runAsUser: 1000,
      runAsGroup: 1000,
      runAsNonRoot: true,
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(main.securityContext).toEqual({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      runAsNonRoot: true,
      capabilities: { drop: ['ALL'] },
    });
    expect(main.volumeMounts).toContainEqual({ name: 'tmp', mountPath: '/tmp' });
    expect(find(objects, 'Namespace', NAMESPACES[env]).metadata.labels['pod-security.kubernetes.io/enforce']).toBe('restricted');
  });

  it('routes /docs (Prefix) and /openapi.json (Exact) and /api to the back end, / to the front end', () => {
    const paths = find(objects, 'HTTPRoute', 'edge').spec.rules.map(
      (r: any) => `${r.matches[0].path.type} ${r.matches[0].path.value} → ${r.backendRefs[0].name}`,
    );
    expect(paths).toEqual(['PathPrefix /api → backend', 'PathPrefix /docs → backend', 'Exact /openapi.json → backend', 'PathPrefix / → frontend']);
    expect(find(objects, 'HTTPRoute', 'edge-redirect').spec.rules[0].filters[0].requestRedirect).toEqual({ scheme: 'https', statusCode: 308 });
    expect(ofKind(objects, 'Ingress')).toEqual([]);
  });

  it('names the environment in its OpenTelemetry resource attributes', () => {
    expect(main.env).toContainEqual({ name: 'OTEL_RESOURCE_ATTRIBUTES', value: `deployment.environment.name=${env}` });
    expect(main.env).toContainEqual({ name: 'OTEL_SERVICE_NAME', value: 'ra-hcp-backend' });
  });

  it("keeps the chart's NodePort option off: ClusterIP Services behind the TLS edge, and no policy admits every source", () => {
    for (const service of ofKind(objects, 'Service')) {
      expect(service.spec.type, `${service.metadata.name} Service type`).toBe('ClusterIP');
      expect(service.spec.ports[0], `${service.metadata.name} node port`).not.toHaveProperty('nodePort');
    }
    for (const policy of ofKind(objects, 'NetworkPolicy')) {
      for (const rule of policy.spec.ingress ?? []) expect(rule.from, `${policy.metadata.name} names its sources`).toBeDefined();
    }
  });

  it('lets only the back end reach Redis, a one-replica StatefulSet keeping its cache in memory as upstream does', () => {
    const rules = find(objects, 'NetworkPolicy', 'allow-redis').spec.ingress;
    expect(rules.map((r: any) => r.from[0].podSelector.matchLabels['app.kubernetes.io/name'])).toEqual(['backend']);
    const redis = find(objects, 'StatefulSet', 'redis');
    expect(redis.spec.replicas).toBe(1);
    expect(redis.spec.volumeClaimTemplates, 'a cache: no claim').toBeUndefined();
    expect(podSpec(redis).volumes).toContainEqual({ name: 'data', emptyDir: {} });
    expect(podSpec(redis).containers[0].command, 'no persistence').toEqual(['redis-server', '--save', '', '--appendonly', 'no']);
    expect(find(objects, 'Service', 'redis').spec.ports, 'a RESP port, not one named http').toEqual([
      { name: 'redis', port: 6379, targetPort: 'redis', protocol: 'TCP', appProtocol: 'redis' },
    ]);
  });

  it('points the front end at the in-cluster back end and its public origin', () => {
    const env_ = podSpec(find(objects, 'Deployment', 'frontend')).containers[0].env;
    expect(env_).toContainEqual({ name: 'BACKEND_URL', value: `http://backend.${NAMESPACES[env]}.svc.cluster.local:8000` });
    expect(env_.find((e: any) => e.name === 'ORIGIN').value).toMatch(/^https:\/\/hcp-ui\./);
  });
});

describe('ra-hcp sizes per environment', () => {
  const sizes = (env: string) => {
    const { objects } = systemObjects(raHcp, env);
    return {
      backendMin: find(objects, 'HorizontalPodAutoscaler', 'backend').spec.minReplicas,
      frontend: find(objects, 'Deployment', 'frontend').spec.replicas,
    };
  };

  it('runs 5 back-end and 2 front-end pods in prod, 2 and 1 in acceptance, 1 and 1 in dev', () => {
    expect(sizes('prod')).toEqual({ backendMin: 5, frontend: 2 });
    expect(sizes('staging')).toEqual({ backendMin: 2, frontend: 1 });
    expect(sizes('dev')).toEqual({ backendMin: 1, frontend: 1 });
  });

  it('pins prod images by digest and requests 250m/256Mi with 1000m/512Mi limits', () => {
    const { objects } = systemObjects(raHcp, 'prod');
    const backend = podSpec(find(objects, 'Deployment', 'backend')).containers[0];
    expect(backend.image).toMatch(/^riksarkivet\/ra-hcp@sha256:[0-9a-f]{64}$/);
    expect(podSpec(find(objects, 'Deployment', 'frontend')).containers[0].image).toMatch(/@sha256:[0-9a-f]{64}$/);
    expect(backend.imagePullPolicy).toBe('IfNotPresent');
    expect(backend.resources).toEqual({ requests: { cpu: '250m', memory: '256Mi' }, limits: { cpu: '1', memory: '512Mi' } });
  });
});
