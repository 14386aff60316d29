import { k8s } from 'cdk8s-plus-28';
import { checksum, sortedRecord } from './checksum';
import { configMapName, secretLikeEntries, secretName } from './env';
import { Issue } from './issues';
import { WorkloadProps } from './workload-props';

/** What a main container loads whole as env, and what rolls its pods when it changes. */
export interface EnvSources {
  /** `envFrom` of the main container: the workload's ConfigMap, further ConfigMaps, then Secrets. */
  readonly envFrom: k8s.EnvFromSource[];
  /** Checksums of the ConfigMaps whose content this output knows, by ConfigMap name. */
  readonly checksums: Record<string, string>;
  /** The data of the workload's own ConfigMap `<name>-config`, sorted; absent without `config`. */
  readonly configData?: Record<string, string>;
  /** Config values that look like secrets. */
  readonly issues: Issue[];
}

/** The name of a workload's own ConfigMap, holding its `config`. */
export function configMapOf(workload: string): string {
  return `${workload}-config`;
}

/**
 * The env sources of a workload's main container. `configMapEnv: false` (a migration, which runs
 * before the release's ConfigMaps exist) still writes the ConfigMap but does not load it.
 */
export function envSources(workload: string, props: WorkloadProps, configMapEnv: boolean): EnvSources {
  const issues: Issue[] = [];
  const checksums: Record<string, string> = {};
  const envFrom: k8s.EnvFromSource[] = [];
  let configData: Record<string, string> | undefined;
  if (props.config && Object.keys(props.config).length > 0) {
    for (const key of secretLikeEntries(props.config)) {
      issues.push({
        field: `config.${key}`,
        message: 'looks like a secret value; a ConfigMap is readable by anyone who can read the namespace',
        fix: `move it to a Secret and reference it: env: { ${key}: { secret: '<name>', key: '${key}' } }`,
      });
    }
    configData = sortedRecord(props.config);
    checksums[configMapOf(workload)] = checksum(configData);
    if (configMapEnv) envFrom.push({ configMapRef: { name: configMapOf(workload) } });
  }
  for (const ref of props.configMaps ?? []) {
    if (typeof ref !== 'string' && ref.checksum) checksums[ref.name] = ref.checksum;
    if (configMapEnv) envFrom.push({ configMapRef: { name: configMapName(ref) } });
  }
  for (const ref of props.secrets ?? []) envFrom.push({ secretRef: { name: secretName(ref) } });
  return { envFrom, checksums, configData, issues };
}
