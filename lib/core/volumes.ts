import { k8s } from 'cdk8s-plus-28';
import { checksum, sortedRecord } from './checksum';
import { configMapName, secretName } from './env';
import { Issue } from './issues';
import { PersistentClaim } from '../persistent-claim';
import { ClaimVolume, VolumeSpec, WorkloadProps } from './workload-props';

/** The volumes of a pod and where its main container mounts them. */
export interface PodVolumes {
  /** The pod's volumes: `tmp`, the declared ones, then `files`. */
  readonly volumes: k8s.Volume[];
  /** The main container's mounts, in the same order. */
  readonly mounts: k8s.VolumeMount[];
  /** Checksums of the mounted ConfigMaps whose content this output knows, by ConfigMap name. */
  readonly checksums: Record<string, string>;
  /** The volumes the controller adds to the pod, one claim of each replica (a StatefulSet's claim templates). */
  readonly perReplicaClaims: string[];
  /** The data of the workload's ConfigMap `<name>-files`, sorted; absent without `files`. */
  readonly filesData?: Record<string, string>;
  /** Invalid file names, duplicate volumes or mount paths, RWO claims on several replicas. */
  readonly issues: Issue[];
}

/** What the volume builder needs besides the props. */
export interface VolumeContext {
  /** The workload's name. */
  readonly workload: string;
  /** The most pods that can run at once. */
  readonly maxReplicas: number;
  /** The claim a claim volume mounts (a shared one, or one made for this workload). */
  readonly claimFor: (volume: ClaimVolume) => PersistentClaim;
  /**
   * A claim volume given as props is a claim of each replica, which the controller (a StatefulSet's
   * `volumeClaimTemplates`) adds to the pod: the template only mounts it. @default false
   */
  readonly perReplicaClaims?: boolean;
}

/** The name of a workload's ConfigMap holding its `files`. */
export function filesConfigMapOf(workload: string): string {
  return `${workload}-files`;
}

/** A writable `/tmp` (the root file system is read-only), the declared volumes, and `files` mounted one by one. */
export function podVolumes(props: Pick<WorkloadProps, 'volumes' | 'files'>, context: VolumeContext): PodVolumes {
  const issues: Issue[] = [];
  const checksums: Record<string, string> = {};
  const volumes: k8s.Volume[] = [{ name: 'tmp', emptyDir: {} }];
  const mounts: k8s.VolumeMount[] = [{ name: 'tmp', mountPath: '/tmp' }];
  const perReplicaClaims: string[] = [];
  (props.volumes ?? []).forEach((volume, i) => {
    const built = toVolume(volume, context, `volumes[${i}]`);
    if (built.volume) volumes.push(built.volume);
    else perReplicaClaims.push(volume.name);
    issues.push(...built.issues);
    Object.assign(checksums, built.checksums);
    mounts.push({ name: volume.name, mountPath: volume.mountPath, readOnly: volume.readOnly || undefined });
  });
  const files = filesVolume(props.files ?? {}, context.workload);
  if (files) {
    volumes.push(files.volume);
    mounts.push(...files.mounts);
    issues.push(...files.issues);
    // subPath mounts never see ConfigMap updates, so the checksum is what delivers a change.
    checksums[filesConfigMapOf(context.workload)] = checksum(files.data);
  }
  issues.push(...duplicateNames([...volumes.map((v) => v.name), ...perReplicaClaims], 'volume'));
  issues.push(
    ...duplicateNames(
      mounts.filter((m) => !m.subPath || m.name !== 'files').map((m) => m.mountPath),
      'mount path',
    ),
  );
  return { volumes, mounts, checksums, perReplicaClaims, filesData: files?.data, issues };
}

function filesVolume(files: Readonly<Record<string, string>>, workload: string) {
  const entries = Object.entries(files);
  if (!entries.length) return undefined;
  const issues: Issue[] = [];
  const data: Record<string, string> = {};
  const mounts: k8s.VolumeMount[] = [];
  for (const [path, content] of entries) {
    const key = path.slice(path.lastIndexOf('/') + 1);
    if (!/^[-._a-zA-Z0-9]+$/.test(key)) issues.push({ field: `files.${path}`, message: 'the file name must be letters, digits, "-", "_" and "."' });
    if (key in data) issues.push({ field: `files.${path}`, message: `another file is also named "${key}"`, fix: 'give files distinct names' });
    data[key] = content;
    mounts.push({ name: 'files', mountPath: path, subPath: key, readOnly: true });
  }
  const volume: k8s.Volume = { name: 'files', configMap: { name: filesConfigMapOf(workload) } };
  return { volume, mounts, data: sortedRecord(data), issues };
}

function toVolume(volume: VolumeSpec, context: VolumeContext, field: string): { volume?: k8s.Volume; checksums: Record<string, string>; issues: Issue[] } {
  const plain = (v: k8s.Volume) => ({ volume: v, checksums: {}, issues: [] });
  if ('emptyDir' in volume) {
    const { memory, sizeLimit } = volume.emptyDir;
    return plain({
      name: volume.name,
      emptyDir: { medium: memory ? 'Memory' : undefined, sizeLimit: sizeLimit ? k8s.Quantity.fromString(sizeLimit) : undefined },
    });
  }
  if ('claim' in volume && context.perReplicaClaims && !(volume.claim instanceof PersistentClaim)) return { checksums: {}, issues: [] };
  if ('claim' in volume) {
    const claim = context.claimFor(volume);
    const issues: Issue[] = [];
    if (claim.accessMode === 'ReadWriteOnce' && context.maxReplicas > 1) {
      issues.push({
        field: `${field}.claim`,
        message: `claim "${claim.name}" is ReadWriteOnce but this workload runs up to ${context.maxReplicas} replicas; the extra pods would wait forever for the volume`,
        fix: "use accessMode 'ReadWriteMany' (an RWX storage class), run a single replica, or, for data each replica keeps apart (a datastore), make it a StatefulService, where this claim becomes each replica's own",
      });
    }
    return { volume: { name: volume.name, persistentVolumeClaim: { claimName: claim.name, readOnly: volume.readOnly || undefined } }, checksums: {}, issues };
  }
  if ('configMap' in volume) {
    const ref = volume.configMap;
    const checksums: Record<string, string> = typeof ref !== 'string' && ref.checksum ? { [ref.name]: ref.checksum } : {};
    return { volume: { name: volume.name, configMap: { name: configMapName(ref) } }, checksums, issues: [] };
  }
  if ('secret' in volume) return plain({ name: volume.name, secret: { secretName: secretName(volume.secret) } });
  return plain({ name: volume.name, hostPath: { path: volume.hostPath.path, type: volume.hostPath.type } });
}

/** Names that appear twice in a list Kubernetes merges by that name. */
export function duplicateNames(names: readonly string[], what: string): Issue[] {
  const seen = new Set<string>();
  const issues: Issue[] = [];
  for (const name of names) {
    if (seen.has(name))
      issues.push({
        field: `${what}s`,
        message: `${what} "${name}" appears twice; Kubernetes merges list entries by ${what}`,
        fix: `give each ${what} a distinct value`,
      });
    seen.add(name);
  }
  return issues;
}
