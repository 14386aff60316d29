import { App } from 'cdk8s';
import { AutoscaledBackend, EnvironmentInput, SystemChart, TlsIngress, WebApp } from '@shipshape-k8s/shipshape';

/** The environment this app deploys to: one App, one environment. */
const prod: EnvironmentInput = {
  name: 'prod',
  tier: 'prod',
  namespace: 'notes-prod',
  domain: 'notes.example.com',
  tls: { issuer: 'letsencrypt-prod' },
  images: { api: 'v1.0.0', web: 'v1.0.0' },
};

// Your existing cdk8s app. A SystemChart is a cdk8s Chart: one system in one environment, the
// chart every shipshape construct goes in. Your other charts stay as they are.
const app = new App();
const notes = new SystemChart(app, 'notes', { environment: prod });

const api = new AutoscaledBackend(notes, 'api', {
  image: 'ghcr.io/example/notes-api',
  probes: { liveness: { http: '/healthz/live' }, readiness: { http: '/healthz/ready' } },
  secrets: ['notes-secrets'],
});
const web = new WebApp(notes, 'web', { image: 'ghcr.io/example/notes-web', backends: { API_URL: api } });
new TlsIngress(notes, 'edge', {
  routes: [
    { path: '/api', backend: api },
    { path: '/', backend: web },
  ],
});

// Every check (props, API rules, Pod Security, references, strict schemas, credentials, policy) is
// a cdk8s validation: app.synth() throws with all the errors at once and writes nothing.
app.synth();
