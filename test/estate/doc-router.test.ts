import { describe, expect, it } from 'vitest';
import { docRouter } from '../../estate/doc-router';
import { find, ofKind, podSpec } from '../helpers';
import { systemObjects, systemYaml } from './helpers';

const ENVS = ['dev', 'staging', 'prod'] as const;

describe.each(ENVS)('Doc Router in %s', (env) => {
  const { objects, files } = systemObjects(docRouter, env);
  const backend = find(objects, 'Deployment', 'backend');
  const frontend = find(objects, 'Deployment', 'frontend');

  it('matches its snapshot', () => {
    expect(systemYaml(docRouter, env)).toMatchSnapshot();
  });

  it('autoscales the back end on CPU and memory, with the HPA owning the replica count', () => {
    expect(backend.spec, 'the backend Deployment must not set replicas next to an HPA').not.toHaveProperty('replicas');
    const hpa = find(objects, 'HorizontalPodAutoscaler', 'backend');
    expect(hpa.spec.metrics.map((m: any) => `${m.resource.name}=${m.resource.target.averageUtilization}`)).toEqual(['cpu=80', 'memory=80']);
    expect(hpa.spec.maxReplicas).toBeGreaterThanOrEqual(hpa.spec.minReplicas);
  });

  it('keeps a memory request that lets the HPA scale back down (768Mi, the seed fix)', () => {
    const request = podSpec(backend).containers[0].resources.requests.memory;
    // Dev halves resources but overrides the back end, since a 384Mi request would deadlock its HPA.
    expect(request, 'memory request of the backend').toBe(env === 'dev' ? '512Mi' : '768Mi');
  });

  it('routes / to the front end and /fastapi to the back end over TLS from the environment issuer', () => {
    const route = find(objects, 'HTTPRoute', 'edge');
    const paths = route.spec.rules.map((r: any) => `${r.matches[0].path.value} → ${r.backendRefs[0].name}:${r.backendRefs[0].port}`);
    expect(paths).toEqual(['/fastapi → backend:8000', '/ → frontend:3000']);
    const certificate = find(objects, 'Certificate', 'edge-tls');
    expect(certificate.spec.issuerRef.name).toBe(env === 'prod' ? 'letsencrypt-prod' : 'letsencrypt-staging');
    const https = find(objects, 'Gateway', 'doc-router').spec.listeners.find((l: any) => l.protocol === 'HTTPS');
    expect(https.tls.certificateRefs[0].name).toBe('edge-tls');
    expect(route.spec.parentRefs.map((p: any) => p.sectionName)).toEqual([https.name]);
  });

  it('starts uvicorn from the Python package directory, as the chart does: the back-end image has no CMD', () => {
    const api = podSpec(backend).containers[0];
    expect(api.command, 'backend command').toEqual(['uvicorn', 'app.main:app', '--host', '0.0.0.0', '--port', '8000']);
    expect(api.workingDir, 'backend working directory').toBe('/app/packages/python');
    expect(api.env, 'one uvicorn process per pod').toContainEqual({ name: 'WEB_CONCURRENCY', value: '1' });
  });

  it('runs migrate.py from the directory it is in', () => {
    const migrate = podSpec(ofKind(objects, 'Job')[0]).containers[0];
    expect(migrate.command).toEqual(['python3', 'migrate.py']);
    expect(migrate.workingDir, 'migration working directory').toBe('/app/packages/python');
  });

  it('names the bucket as the application reads it (AWS_S3_BUCKET_NAME)', () => {
    const config = find(objects, 'ConfigMap', 'doc-router-config');
    expect(config.data.AWS_S3_BUCKET_NAME).toBe(`doc-router-${env}`);
    expect(config.data).not.toHaveProperty('S3_BUCKET');
  });

  it('runs the migration from the back-end image with the Secret only, in the migrations layer', () => {
    const migrations = [...files.keys()].find((f) => f.includes('/migrations/'))!;
    const job = ofKind(objects, 'Job')[0];
    expect(migrations, 'the migration is delivered from its own directory').toBe(`${env}/doc-router/migrations/doc-router.yaml`);
    const container = podSpec(job).containers[0];
    expect(container.image).toBe(podSpec(backend).containers[0].image);
    expect(container.envFrom).toEqual([{ secretRef: { name: 'doc-router-secrets' } }]);
    expect(job.spec.backoffLimit).toBe(3);
    expect(podSpec(job).restartPolicy).toBe('Never');
  });

  it('carries the in-cluster back-end URL in a ConfigMap the front end reads server-side', () => {
    const config = find(objects, 'ConfigMap', 'frontend-config');
    expect(config.data.FASTAPI_BACKEND_URL).toBe(`http://backend.doc-router-${env}.svc.cluster.local:8000`);
    expect(podSpec(frontend).containers[0].envFrom).toContainEqual({ configMapRef: { name: 'frontend-config' } });
    expect(JSON.stringify(objects), 'no NEXT_PUBLIC_ URL baked for the browser').not.toContain('NEXT_PUBLIC_');
  });

  it('rolls both tiers when doc-router-secrets changes (Stakater Reloader reads the annotation)', () => {
    for (const deployment of [backend, frontend]) {
      expect(deployment.metadata.annotations?.['secret.reloader.stakater.com/reload'], `${deployment.metadata.name} names its Secret`).toBe(
        'doc-router-secrets',
      );
    }
  });

  it('references the Secret and never creates one', () => {
    expect(ofKind(objects, 'Secret')).toEqual([]);
    expect(podSpec(backend).containers[0].envFrom).toContainEqual({ secretRef: { name: 'doc-router-secrets' } });
  });

  it('has PDBs wherever two or more replicas run, and lets in-flight jobs finish on SIGTERM', () => {
    const hpa = find(objects, 'HorizontalPodAutoscaler', 'backend');
    if (hpa.spec.minReplicas >= 2) find(objects, 'PodDisruptionBudget', 'backend');
    expect(podSpec(backend).terminationGracePeriodSeconds).toBe(60);
    expect(podSpec(backend).containers[0].lifecycle.preStop.exec.command).toEqual(['sleep', '5']);
  });

  it("allows the front end to reach the back end, and only the Gateway's data plane to reach the front end", () => {
    const sources = (name: string) =>
      find(objects, 'NetworkPolicy', `allow-${name}`).spec.ingress.map(
        (r: any) =>
          r.from[0].podSelector?.matchLabels['app.kubernetes.io/name'] ??
          `gateway ${r.from[0].podSelector?.matchLabels['gateway.envoyproxy.io/owning-gateway-name']}`,
      );
    expect(sources('backend')).toEqual(['frontend', 'gateway doc-router']);
    expect(sources('frontend')).toEqual(['gateway doc-router']);
  });
});

describe('Doc Router across environments', () => {
  it('runs at least two back-end pods in prod', () => {
    expect(find(systemObjects(docRouter, 'prod').objects, 'HorizontalPodAutoscaler', 'backend').spec.minReplicas).toBe(2);
  });

  it('differs only where the environment model says: namespaces, hosts, issuers, pins', () => {
    const dev = systemObjects(docRouter, 'dev').objects;
    const prod = systemObjects(docRouter, 'prod').objects;
    expect(ofKind(dev, 'Namespace')[0].metadata.name).toBe('doc-router-dev');
    expect(ofKind(prod, 'Namespace')[0].metadata.name).toBe('doc-router-prod');
    expect(podSpec(find(prod, 'Deployment', 'backend')).containers[0].image).toBe('ghcr.io/analytiq-hub/doc-router-backend:v27.0.1');
    // The same objects, but for what replica counts and image pins imply: PDBs from two replicas, Job names from the image.
    const shape = (objects: typeof dev) =>
      objects
        .filter((o) => !['PodDisruptionBudget', 'Job', 'Namespace'].includes(o.kind))
        .map((o) => `${o.kind}/${o.metadata.name}`)
        .sort();
    expect(shape(dev)).toEqual(shape(prod));
  });
});
