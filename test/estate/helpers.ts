import { parseAllDocuments } from 'yaml';
import { expect } from 'vitest';
import { SystemDefinition, renderEstate } from '../../lib/estate';
import type { KubeObject } from '../../lib/output/output';

/** The objects of one system in one environment, parsed back from the rendered YAML files (all layers). */
export function systemObjects(system: SystemDefinition, env: string): { objects: KubeObject[]; files: Map<string, string> } {
  const rendered = renderEstate([system]);
  const files = new Map([...rendered.files].filter(([path]) => path.startsWith(`${env}/`) && path.endsWith(`/${system.name}.yaml`)));
  expect(files.size, `files of ${system.name} in ${env}`).toBeGreaterThan(0);
  const objects = [...files.values()].flatMap((text) => parseAllDocuments(text).map((doc) => doc.toJSON() as KubeObject));
  return { objects, files };
}

/** The text of all files of a system in an environment, for snapshots. */
export function systemYaml(system: SystemDefinition, env: string): string {
  return [...systemObjects(system, env).files].map(([path, text]) => `# ${path}\n${text}`).join('\n');
}
