import { Yaml } from 'cdk8s';
import { describe, expect, it } from 'vitest';
import { PersistentClaim } from '../lib/persistent-claim';
import { ScheduledTask, ScheduledTaskProps } from '../lib/scheduled-task';
import { StatefulService } from '../lib/stateful-service';
import { WebApp } from '../lib/web-app';
import { cronProblem } from '../lib/core/cron';
import { environment, errors, find, ofKind, synth, testSystem } from './helpers';

const IMAGE = 'ghcr.io/example/tasks:v1.2.0';

function task(props: Partial<ScheduledTaskProps> = {}, env = environment()) {
  const system = testSystem(env);
  const t = new ScheduledTask(system, 'cleanup', { image: IMAGE, schedule: '0 3 * * *', ...props });
  return { system, task: t };
}

const podOf = (cronJob: any) => cronJob.spec.jobTemplate.spec.template.spec;

describe('ScheduledTask', () => {
  it('is a CronJob with no replicas: one run at a time, in UTC, retried as new pods, stopped after an hour', () => {
    const objects = synth(task().system);
    const cron = find(objects, 'CronJob', 'cleanup');
    expect(cron.apiVersion).toBe('batch/v1');
    expect(cron.spec).not.toHaveProperty('replicas');
    expect(cron.spec).toMatchObject({
      schedule: '0 3 * * *',
      timeZone: 'Etc/UTC',
      concurrencyPolicy: 'Forbid',
      suspend: false,
      startingDeadlineSeconds: 600,
      successfulJobsHistoryLimit: 3,
      failedJobsHistoryLimit: 3,
    });
    expect(cron.spec.jobTemplate.spec).toMatchObject({ backoffLimit: 2, activeDeadlineSeconds: 3600 });
    const pod = podOf(cron);
    expect(pod.restartPolicy).toBe('Never');
    expect(pod.topologySpreadConstraints, 'one pod per run: nothing to spread').toBeUndefined();
    expect(pod.containers[0].securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, runAsNonRoot: true });
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(cron.metadata.labels['app.kubernetes.io/component']).toBe('scheduled-task');
    for (const kind of ['Deployment', 'Service', 'PodDisruptionBudget', 'HorizontalPodAutoscaler', 'Job']) expect(ofKind(objects, kind), kind).toEqual([]);
    expect(Yaml.stringify(cron)).toMatchSnapshot();
  });

  it('takes all the props', () => {
    const system = testSystem();
    const api = new WebApp(system, 'api', { image: 'ghcr.io/example/api:v1', port: 8080 });
    const cache = new StatefulService(system, 'cache', { image: 'redis:7.2.4', port: 6379 });
    const reports = new PersistentClaim(system, 'reports', { size: '1Gi', accessMode: 'ReadWriteMany', storageClassName: 'nfs-client' });
    new ScheduledTask(system, 'cleanup', {
      image: IMAGE,
      schedule: '*/15 8-18 * JAN-DEC MON-FRI',
      timeZone: 'Europe/Stockholm',
      concurrencyPolicy: 'Replace',
      suspend: true,
      successfulJobsHistoryLimit: 1,
      failedJobsHistoryLimit: 5,
      startingDeadlineSeconds: 120,
      activeDeadlineSeconds: 300,
      backoffLimit: 0,
      restartPolicy: 'OnFailure',
      command: ['python', '-m', 'cleanup'],
      args: ['--older-than', '30d'],
      workingDir: '/app',
      env: { MODE: 'full', TOKEN: { secret: 'tokens', key: 'cleanup' } },
      config: { RETENTION_DAYS: '30' },
      secrets: ['cleanup-secrets'],
      volumes: [{ name: 'reports', mountPath: '/reports', claim: reports }],
      initContainers: [{ name: 'wait', command: ['sh', '-c', 'true'] }],
      resources: { requests: { cpu: '50m', memory: '64Mi' }, limits: { cpu: '200m', memory: '128Mi' } },
      shutdown: { gracePeriodSeconds: 20, preStopSeconds: 0 },
      scheduling: { nodeSelector: { pool: 'batch' } },
      security: { runAsUser: 2000 },
      backends: { API_URL: api },
      connectsTo: [cache],
      component: 'maintenance',
    });
    const objects = synth(system);
    const cron = find(objects, 'CronJob', 'cleanup');
    expect(cron.spec).toMatchObject({
      schedule: '*/15 8-18 * JAN-DEC MON-FRI',
      timeZone: 'Europe/Stockholm',
      concurrencyPolicy: 'Replace',
      suspend: true,
      successfulJobsHistoryLimit: 1,
      failedJobsHistoryLimit: 5,
      startingDeadlineSeconds: 120,
    });
    expect(cron.spec.jobTemplate.spec).toMatchObject({ backoffLimit: 0, activeDeadlineSeconds: 300 });
    const pod = podOf(cron);
    expect(pod).toMatchObject({
      restartPolicy: 'OnFailure',
      terminationGracePeriodSeconds: 20,
      nodeSelector: { pool: 'batch' },
      securityContext: { runAsUser: 2000 },
    });
    expect(pod.containers[0]).toMatchObject({ command: ['python', '-m', 'cleanup'], args: ['--older-than', '30d'], workingDir: '/app' });
    expect(pod.containers[0].env).toContainEqual({ name: 'API_URL', value: 'http://api.shop-dev.svc.cluster.local:8080' });
    expect(pod.containers[0].envFrom).toContainEqual({ secretRef: { name: 'cleanup-secrets' } });
    expect(pod.volumes).toContainEqual({ name: 'reports', persistentVolumeClaim: { claimName: 'reports' } });
    expect(pod.initContainers[0].name).toBe('wait');
    expect(find(objects, 'ConfigMap', 'cleanup-config').data).toEqual({ RETENTION_DAYS: '30' });
    expect(cron.metadata.labels['app.kubernetes.io/component']).toBe('maintenance');
    const admitted = (policy: string) =>
      find(objects, 'NetworkPolicy', policy).spec.ingress.map((r: any) => r.from[0].podSelector.matchLabels['app.kubernetes.io/name']);
    expect(admitted('allow-api'), 'the task calls the api').toContain('cleanup');
    expect(admitted('allow-cache'), 'and the cache').toContain('cleanup');
  });

  it('is suspended by the environment, and runs the image pinned there', () => {
    const env = environment('dev', { workloads: { cleanup: { suspend: true } }, images: { cleanup: 'v9.9.9' } });
    const cron = find(synth(task({}, env).system), 'CronJob', 'cleanup');
    expect(cron.spec.suspend).toBe(true);
    expect(podOf(cron).containers[0].image).toBe('ghcr.io/example/tasks:v9.9.9');
  });

  it('counts a concurrent run against a ReadWriteOnce claim only when runs may overlap', () => {
    const volumes = [{ name: 'data', mountPath: '/data', claim: { size: '1Gi', accessMode: 'ReadWriteOnce' as const } }];
    expect(errors(task({ volumes }).system)).toEqual([]);
    expect(errors(task({ volumes, concurrencyPolicy: 'Allow' }).system).join('\n')).toMatch(
      /volumes\[0\]\.claim: claim "cleanup-data" is ReadWriteOnce but this workload runs up to 2 replicas/,
    );
  });

  it.each([['0 3 * * *'], ['*/5 * * * *'], ['0 0 1,15 * *'], ['30 2 * * sun'], ['0 9 ? * MON-FRI'], ['@daily'], ['@hourly'], [' 15 2 * * * ']])(
    'accepts the schedule %j',
    (schedule) => {
      expect(cronProblem(schedule)).toBeUndefined();
    },
  );
});

describe('ScheduledTask bad input', () => {
  it.each<[string, Partial<ScheduledTaskProps> | Record<string, unknown>, RegExp]>([
    [
      'six fields',
      { schedule: '0 0 3 * * *' },
      /schedule: has 6 fields; a schedule has five: minute hour day-of-month month day-of-week .* Fix: write e\.g\. "30 2 \* \* \*"/,
    ],
    ['a minute out of range', { schedule: '60 3 * * *' }, /schedule: the minute field: "60" is not a minute \(0-59\)/],
    ['Sunday as 7', { schedule: '0 3 * * 7' }, /schedule: the day of week field: "7" is not a day of week \(0-6 or SUN-SAT\)/],
    ['a month name misspelt', { schedule: '0 3 1 JNU *' }, /schedule: the month field: "JNU" is not a month \(1-12 or JAN-DEC\)/],
    ['a range backwards', { schedule: '0 18-8 * * *' }, /schedule: the hour field: "18-8" runs backwards/],
    ['a bad step', { schedule: '*/0 * * * *' }, /schedule: the minute field: "\*\/0" has a bad step/],
    ['an unknown macro', { schedule: '@nightly' }, /schedule: "@nightly" is not a macro the CronJob controller knows \(@yearly, /],
    [
      'a time zone in the schedule',
      { schedule: 'CRON_TZ=Europe/Stockholm 0 3 * * *' },
      /schedule: a time zone in the schedule is refused by the API server; give timeZone instead/,
    ],
    ['an unknown time zone', { timeZone: 'Europe/Stockholmm' }, /timeZone: must be an IANA time zone such as "Europe\/Stockholm"/],
    ['an offset for a time zone', { timeZone: '+02:00' }, /timeZone: must be an IANA time zone/],
    ['an unknown concurrency policy', { concurrencyPolicy: 'Skip' as any }, /concurrencyPolicy: Invalid option/],
    ['restart policy Always', { restartPolicy: 'Always' as any }, /restartPolicy: Invalid option/],
    ['a starting deadline under 10 s', { startingDeadlineSeconds: 5 }, /startingDeadlineSeconds: below 10 s the CronJob controller may miss every run/],
    ['probes', { probes: { liveness: { http: '/live' } } }, /probes: a run serves nothing, so readiness means nothing\. Fix: remove probes/],
    [
      'a sidecar',
      { sidecars: [{ name: 'proxy', image: 'x/proxy:v1' }] },
      /sidecars: a sidecar keeps running after the task's container exits, so the Job never completes/,
    ],
    ['metrics', { metrics: { port: 9090 } }, /metrics: a run lives too briefly to be scraped/],
  ])('%s', (_name, props, expected) => {
    const found = errors(task(props as Partial<ScheduledTaskProps>).system);
    expect(found.join('\n')).toMatch(expected);
    expect(found.every((e) => e.includes('ScheduledTask "cleanup": '))).toBe(true);
  });

  it('refuses a name the Jobs could not carry', () => {
    const system = testSystem();
    new ScheduledTask(system, 'a'.repeat(53), { image: IMAGE, schedule: '@daily' });
    expect(errors(system).join('\n')).toMatch(
      /\(id\): "a{53}" is 53 characters; the CronJob's Jobs add 11 to it, and a name has at most 63 Fix: use an id of at most 52 characters/,
    );
  });

  it('reports every problem at once', () => {
    const found = errors(task({ schedule: '61 * * * *', timeZone: 'Mars/Olympus', probes: {} } as Partial<ScheduledTaskProps>).system);
    for (const field of ['schedule', 'timeZone', 'probes']) expect(found.join('\n')).toContain(`ScheduledTask "cleanup": ${field}: `);
  });
});
