import { describe, expect, it } from 'vitest';
import { systems } from '../../estate';
import devBuilds from '../../estate/dev-builds.json';
import { EnvironmentInput, SystemDefinition, renderEstate } from '../../lib';
import type { KubeObject } from '../../lib/output/output';
import { ofKind, podSpec } from '../helpers';
import { systemObjects } from './helpers';

/** The system with its dev environment running another build. */
function withDevBuild(system: SystemDefinition, build: string): SystemDefinition {
  return { ...system, environments: system.environments.map((env: EnvironmentInput) => (env.name === 'dev' ? { ...env, build } : env)) };
}

const workloads = (objects: readonly KubeObject[]) => [...ofKind(objects, 'Deployment'), ...ofKind(objects, 'Job')];
const images = (workload: KubeObject): string[] =>
  [...(podSpec(workload).initContainers ?? []), ...podSpec(workload).containers].map((c: KubeObject) => c.image);

describe('dev follows its builds', () => {
  it('has a build for every system, and only for those', () => {
    expect(Object.keys(devBuilds).sort()).toEqual(systems.map((s) => s.name).sort());
    for (const [system, build] of Object.entries(devBuilds)) expect(build, `${system}'s dev build`).toMatch(/^sha-[0-9a-f]{7,40}$/);
  });

  describe.each(systems.map((s) => [s.name, s] as const))('%s', (name, system) => {
    const build = devBuilds[name as keyof typeof devBuilds];
    const { objects } = systemObjects(system, 'dev');

    it('runs no untagged image in dev: every image the definition leaves untagged is the build CI pushed', () => {
      const all = workloads(objects).flatMap(images);
      for (const image of all) expect(image, 'a tag or a digest').toMatch(/:[\w][\w.-]*$|@sha256:[0-9a-f]{64}$/);
      expect(all.filter((image) => image.endsWith(`:${build}`)).length, `images of the ${build} build`).toBeGreaterThan(0);
      for (const workload of workloads(objects)) {
        for (const c of podSpec(workload).containers) {
          if (c.image.endsWith(`:${build}`)) expect(c.imagePullPolicy, `${workload.metadata.name}: a build is pulled once`).toBe('IfNotPresent');
        }
      }
    });

    it('rolls every Deployment of its images and migrates once more on the next build', () => {
      const next = renderEstate([withDevBuild(system, 'sha-0000001')])
        .objects.get('dev')!
        .filter((o) => o.metadata?.namespace === ofKind(objects, 'Namespace')[0].metadata.name);
      const template = (list: readonly KubeObject[], deployment: string) =>
        JSON.stringify(ofKind(list, 'Deployment').find((d) => d.metadata.name === deployment)!.spec.template);
      for (const deployment of ofKind(objects, 'Deployment').filter((d) => images(d).some((i) => i.endsWith(`:${build}`)))) {
        expect(template(next, deployment.metadata.name), `${deployment.metadata.name} rolls`).not.toBe(template(objects, deployment.metadata.name));
      }
      const jobs = (list: readonly KubeObject[]) => ofKind(list, 'Job').map((j) => j.metadata.name);
      for (const job of jobs(objects)) expect(job, 'the Job is named after the build').toMatch(new RegExp(`-${build}(-r[0-9]+)?$`));
      expect(jobs(next), 'a new Job for the new build').toEqual(jobs(objects).map((job) => job.replace(build, 'sha-0000001')));
    });
  });

  it('is deterministic: the same builds give the same bytes', () => {
    const render = () => [...renderEstate(systems).files].filter(([path]) => path.startsWith('dev/'));
    expect(render()).toEqual(render());
  });
});
