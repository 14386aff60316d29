import type { ControlPlane } from './control-plane';
import { declaresException, describeObject } from '../../tools/dist-objects';
import { Kube, KubeObject, waitFor } from './kube';

/** What applying a set of objects did. */
export interface ApplyResult {
  readonly applied: KubeObject[];
  /** `Kind ns/name: message` per object the API server refused. */
  readonly rejected: string[];
  /** PodSecurity warnings on objects without a declared exception. */
  readonly podSecurityWarnings: string[];
  /** PodSecurity warnings on objects whose pod template declares the exception (expected). */
  readonly declaredExceptions: string[];
  /** Any other warning (deprecations, unknown annotations). */
  readonly otherWarnings: string[];
}

/**
 * Applies objects one by one, server-side with strict field validation, in the order given, and
 * sorts what the API server said about each.
 */
export async function applyAll(kube: Kube, objects: KubeObject[]): Promise<ApplyResult> {
  const result: ApplyResult = { applied: [], rejected: [], podSecurityWarnings: [], declaredExceptions: [], otherWarnings: [] };
  for (const object of objects) {
    let res;
    try {
      res = await kube.apply(object);
    } catch (error) {
      result.rejected.push(`${describeObject(object)}: ${(error as Error).message}`);
      continue;
    }
    if (res.status >= 300) {
      result.rejected.push(`${describeObject(object)}: ${shorten(String(res.body?.message ?? JSON.stringify(res.body)))}`);
      continue;
    }
    result.applied.push(res.body);
    const declared = declaresException(object);
    for (const warning of res.warnings) {
      const line = `${describeObject(object)}: ${warning}`;
      if (!/PodSecurity/.test(warning)) result.otherWarnings.push(line);
      else if (declared) result.declaredExceptions.push(line);
      else result.podSecurityWarnings.push(line);
    }
  }
  return result;
}

/** The API server prints whole objects in some messages (an immutable Job template); keep both ends. */
function shorten(message: string): string {
  return message.length <= 400 ? message : `${message.slice(0, 200)} … ${message.slice(-150)}`;
}

/**
 * Binds every claim the way a provisioner would: a hostPath PersistentVolume per claim, with the
 * claim's class, access modes and size, reserved for it by `claimRef`. A StatefulSet's claims do not
 * exist yet (its controller makes `<template>-<name>-<ordinal>` for each replica), so each gets its
 * volume ahead, reserved by name.
 */
export async function provisionVolumes(kube: Kube, objects: KubeObject[]): Promise<void> {
  for (const claim of [...objects.filter((o) => o.kind === 'PersistentVolumeClaim'), ...objects.flatMap(replicaClaims)]) {
    const ns = claim.metadata.namespace!;
    const res = await kube.apply({
      apiVersion: 'v1',
      kind: 'PersistentVolume',
      metadata: { name: `pv-${ns}-${claim.metadata.name}` },
      spec: {
        capacity: { storage: claim.spec.resources.requests.storage },
        accessModes: claim.spec.accessModes,
        storageClassName: claim.spec.storageClassName ?? '',
        hostPath: { path: `/tmp/shipshape-pv/${ns}/${claim.metadata.name}` },
        claimRef: { namespace: ns, name: claim.metadata.name },
        persistentVolumeReclaimPolicy: 'Delete',
      },
    });
    if (res.status >= 300) throw new Error(`provisioning a volume for ${describeObject(claim)}: ${res.body?.message}`);
  }
}

/** The claims a StatefulSet's controller will make, one per template and replica. */
function replicaClaims(object: KubeObject): KubeObject[] {
  if (object.kind !== 'StatefulSet') return [];
  const ordinals = Array.from({ length: object.spec.replicas ?? 1 }, (_, i) => i);
  return (object.spec.volumeClaimTemplates ?? []).flatMap((template: KubeObject) =>
    ordinals.map((i) => ({
      ...template,
      kind: 'PersistentVolumeClaim',
      metadata: { namespace: object.metadata.namespace, name: `${template.metadata.name}-${object.metadata.name}-${i}` },
    })),
  );
}

/** How far the workloads of one environment got. */
export interface RolloutResult {
  readonly deployments: number;
  readonly deploymentsAvailable: number;
  readonly statefulSets: number;
  readonly statefulSetsReady: number;
  readonly jobs: number;
  readonly jobsComplete: number;
  /** CronJobs, each run once by a Job made from its template (see {@link runCronJobsOnce}). */
  readonly cronJobs: number;
  readonly cronJobRunsComplete: number;
  /** One line per workload, Service, PDB or autoscaler that is not as it should be. */
  readonly problems: string[];
}

const condition = (o: KubeObject | undefined, type: string) => o?.status?.conditions?.find((c: any) => c.type === type);

function deploymentDone(d: KubeObject | undefined): boolean {
  if (!d?.status || d.status.observedGeneration !== d.metadata.generation) return false;
  const want = d.spec.replicas ?? 1;
  return (
    condition(d, 'Available')?.status === 'True' && d.status.updatedReplicas === want && d.status.availableReplicas === want && !d.status.unavailableReplicas
  );
}

function statefulSetDone(s: KubeObject | undefined): boolean {
  return Boolean(
    s?.status &&
    s.status.observedGeneration === s.metadata.generation &&
    s.status.readyReplicas === (s.spec.replicas ?? 1) &&
    s.status.updatedReplicas === (s.spec.replicas ?? 1),
  );
}

function jobState(j: KubeObject | undefined): 'complete' | 'failed' | 'running' {
  if (condition(j, 'Complete')?.status === 'True') return 'complete';
  if (condition(j, 'Failed')?.status === 'True') return 'failed';
  return 'running';
}

/**
 * Waits until every Deployment and StatefulSet of the set is rolled out, every Job has finished
 * and every autoscaler has brought its target to its minimum; then checks Services, PDBs and
 * autoscalers against what the controllers report.
 */
export async function waitForRollout(plane: ControlPlane, objects: KubeObject[], timeoutMs: number): Promise<RolloutResult> {
  const kube = plane.kube;
  const get = (o: KubeObject) => kube.get(o.apiVersion, o.kind, o.metadata.namespace, o.metadata.name);
  const deployments = objects.filter((o) => o.kind === 'Deployment');
  const statefulSets = objects.filter((o) => o.kind === 'StatefulSet');
  const cronRuns = await runCronJobsOnce(
    kube,
    objects.filter((o) => o.kind === 'CronJob'),
  );
  const jobs = objects.filter((o) => o.kind === 'Job');
  const hpas = objects.filter((o) => o.kind === 'HorizontalPodAutoscaler');
  const problems: string[] = [];

  const minimumOf = new Map(hpas.map((h) => [`${h.metadata.namespace}/${h.spec.scaleTargetRef.name}`, h.spec.minReplicas ?? 1]));
  const settled = async () => {
    for (const d of deployments) {
      const live = await get(d);
      if (!deploymentDone(live)) return false;
      const min = minimumOf.get(`${d.metadata.namespace}/${d.metadata.name}`);
      if (min !== undefined && (live!.spec.replicas ?? 1) < min) return false;
    }
    for (const s of statefulSets) if (!statefulSetDone(await get(s))) return false;
    for (const j of [...jobs, ...cronRuns.runs]) if (jobState(await get(j)) === 'running') return false;
    return true;
  };
  try {
    await waitFor('the rollout', timeoutMs, async () => ((await settled()) ? true : undefined));
  } catch {
    // Reported object by object below, with the controllers' own reasons.
  }

  let available = 0;
  for (const d of deployments) {
    const live = await get(d);
    if (deploymentDone(live)) available++;
    else problems.push(`${describeObject(d)} not available: ${await whyNotReady(kube, live)}`);
  }
  let ready = 0;
  for (const s of statefulSets) {
    if (statefulSetDone(await get(s))) ready++;
    else problems.push(`${describeObject(s)} not ready: ${await whyNotReady(kube, await get(s))}`);
  }
  const complete = await countCompleteJobs(kube, jobs, problems);
  problems.push(...cronRuns.problems);
  const cronComplete = await countCompleteJobs(kube, cronRuns.runs, problems);
  problems.push(...(await checkServices(kube, objects)));
  problems.push(...(await checkDisruptionBudgets(kube, objects)));
  for (const a of objects.filter((o) => o.kind === 'HorizontalPodAutoscaler' || o.kind === 'ScaledObject')) {
    if (!(await get(a))) problems.push(`${describeObject(a)} was not stored`);
  }
  return {
    deployments: deployments.length,
    deploymentsAvailable: available,
    statefulSets: statefulSets.length,
    statefulSetsReady: ready,
    jobs: jobs.length,
    jobsComplete: complete,
    cronJobs: cronRuns.runs.length + cronRuns.problems.length,
    cronJobRunsComplete: cronComplete,
    problems,
  };
}

/** How many of the Jobs completed; a line in `problems` for each that did not, with the controller's reason. */
async function countCompleteJobs(kube: Kube, jobs: KubeObject[], problems: string[]): Promise<number> {
  let complete = 0;
  for (const j of jobs) {
    const live = await kube.get(j.apiVersion, j.kind, j.metadata.namespace, j.metadata.name);
    const state = jobState(live);
    if (state === 'complete') complete++;
    else
      problems.push(`${describeObject(j)} ${state}: ${condition(live, 'Failed')?.message ?? (await podEvents(kube, j.metadata.namespace!, j.metadata.name))}`);
  }
  return complete;
}

/**
 * Runs each CronJob once, as \`kubectl create job --from=cronjob/<name>\` does: a Job
 * \`<name>-run\` from its \`jobTemplate\`. A schedule may not fire for hours, and PodSecurity only
 * warns about a CronJob's template: its pods meet enforcement only when they are made.
 */
async function runCronJobsOnce(kube: Kube, cronJobs: KubeObject[]): Promise<{ runs: KubeObject[]; problems: string[] }> {
  const runs: KubeObject[] = [];
  const problems: string[] = [];
  for (const cronJob of cronJobs) {
    const template = cronJob.spec.jobTemplate;
    const run: KubeObject = {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { ...template.metadata, name: `${cronJob.metadata.name}-run`, namespace: cronJob.metadata.namespace },
      spec: template.spec,
    };
    const res = await kube.apply(run);
    if (res.status >= 300) problems.push(`${describeObject(cronJob)}: a Job from its template was refused: ${shorten(String(res.body?.message))}`);
    else runs.push(run);
  }
  return { runs, problems };
}

/** The controllers' own account of why a workload is not ready: ReplicaSet and pod events. */
async function whyNotReady(kube: Kube, workload: KubeObject | undefined): Promise<string> {
  if (!workload) return 'not found';
  const ns = workload.metadata.namespace!;
  const reasons: string[] = [];
  for (const rs of await kube.list('apps/v1', 'ReplicaSet', ns)) {
    if (!rs.metadata.ownerReferences || !(rs.metadata.ownerReferences as any[]).some((r) => r.name === workload.metadata.name)) continue;
    const failure = condition(rs, 'ReplicaFailure');
    if (failure) reasons.push(failure.message);
  }
  reasons.push(await podEvents(kube, ns, workload.metadata.name));
  return reasons.filter(Boolean).join('; ') || JSON.stringify(workload.status ?? {});
}

async function podEvents(kube: Kube, ns: string, prefix: string): Promise<string> {
  const events = await kube.list('v1', 'Event', ns);
  return events
    .filter((e: any) => e.type === 'Warning' && e.involvedObject?.name?.startsWith(prefix))
    .map((e: any) => `${e.involvedObject.kind} ${e.involvedObject.name}: ${e.reason}: ${e.message}`)
    .slice(-3)
    .join('; ');
}

/** Every Service with a selector has ready endpoints on each of its named ports. */
async function checkServices(kube: Kube, objects: KubeObject[]): Promise<string[]> {
  const problems: string[] = [];
  for (const svc of objects.filter((o) => o.kind === 'Service' && o.spec?.selector)) {
    const ns = svc.metadata.namespace!;
    const slices = await kube.list('discovery.k8s.io/v1', 'EndpointSlice', ns, `kubernetes.io/service-name=${svc.metadata.name}`);
    const ready = slices.flatMap((s: any) => (s.endpoints ?? []).filter((e: any) => e.conditions?.ready));
    if (ready.length === 0) {
      problems.push(`${describeObject(svc)} has no ready endpoints`);
      continue;
    }
    for (const port of svc.spec.ports ?? []) {
      const found = slices.some((s: any) => (s.ports ?? []).some((p: any) => p.name === (port.name ?? '') && typeof p.port === 'number'));
      if (!found) problems.push(`${describeObject(svc)} port ${port.name ?? port.port}: no endpoint port for target ${port.targetPort ?? port.port}`);
    }
  }
  return problems;
}

/** Every PDB counts the pods it protects, and all of them are healthy. */
async function checkDisruptionBudgets(kube: Kube, objects: KubeObject[]): Promise<string[]> {
  const problems: string[] = [];
  for (const pdb of objects.filter((o) => o.kind === 'PodDisruptionBudget')) {
    const live = await kube.get(pdb.apiVersion, pdb.kind, pdb.metadata.namespace, pdb.metadata.name);
    const expected = live?.status?.expectedPods ?? 0;
    if (expected < 1 || live?.status?.currentHealthy !== expected) {
      problems.push(`${describeObject(pdb)} protects ${expected} pods, ${live?.status?.currentHealthy ?? 0} healthy`);
    }
  }
  return problems;
}

/**
 * Objects that a second apply of the same tree changed: anything but status and bookkeeping
 * (resourceVersion, managedFields) differs afterwards. A write that changed only status is the API
 * server filling a CRD's status default on an object no controller has touched yet (Flux's, on a
 * cluster without Flux): not a change the output makes.
 */
export async function reapplyChanges(kube: Kube, objects: KubeObject[]): Promise<string[]> {
  const changed: string[] = [];
  const content = (o: KubeObject) => {
    const { resourceVersion: _rv, managedFields: _mf, ...metadata } = o.metadata;
    return JSON.stringify({ ...o, metadata, status: undefined });
  };
  for (const object of objects) {
    const before = await kube.get(object.apiVersion, object.kind, object.metadata.namespace, object.metadata.name);
    if (!before) continue;
    const res = await kube.apply(object);
    if (res.status >= 300) changed.push(`${describeObject(object)}: ${res.body?.message}`);
    else if (res.body.metadata.resourceVersion !== before.metadata.resourceVersion && content(res.body) !== content(before)) {
      changed.push(`${describeObject(object)}: ${firstDifference(JSON.parse(content(before)), JSON.parse(content(res.body)))}`);
    }
  }
  return changed;
}

/** The first field path at which two values differ, with both values. */
function firstDifference(a: unknown, b: unknown, path = ''): string {
  if (JSON.stringify(a) === JSON.stringify(b)) return '';
  if (a && b && typeof a === 'object' && typeof b === 'object') {
    for (const key of new Set([...Object.keys(a), ...Object.keys(b)])) {
      const found = firstDifference((a as any)[key], (b as any)[key], `${path}.${key}`);
      if (found) return found;
    }
  }
  return `${path || '.'}: ${JSON.stringify(a)} -> ${JSON.stringify(b)}`;
}
