import { z } from 'zod';
import { k8s } from 'cdk8s-plus-28';
import { cpuQuantity, formatCpu, formatMemory, memoryQuantity, parseQuantity } from './quantity';

/** CPU and memory for one side (requests or limits) of a container's resources. */
export interface ResourceAmounts {
  /** CPU, e.g. `250m`. */
  readonly cpu: string;
  /** Memory, e.g. `512Mi`. */
  readonly memory: string;
}

/** Requests and limits of a container. Both are always set: the scheduler needs requests, the node needs limits. */
export interface ResourcesSpec {
  /** What the scheduler reserves. */
  readonly requests: ResourceAmounts;
  /** The ceiling; memory above it is OOM-killed, CPU above it is throttled. */
  readonly limits: ResourceAmounts;
}

const amountsSchema = z.strictObject({ cpu: cpuQuantity, memory: memoryQuantity });

/** Schema of {@link ResourcesSpec}: requests must not exceed limits. */
export const resourcesSchema: z.ZodType<ResourcesSpec, ResourcesSpec> = z
  .strictObject({ requests: amountsSchema, limits: amountsSchema })
  .superRefine((value, ctx) => {
    for (const key of ['cpu', 'memory'] as const) {
      const request = value.requests[key];
      const limit = value.limits[key];
      if (safeParse(request) > safeParse(limit)) {
        ctx.addIssue({
          code: 'custom',
          path: ['requests', key],
          message: `request ${request} is above the limit ${limit}; Kubernetes rejects such a pod. Fix: lower the request or raise limits.${key}`,
        });
      }
    }
  });

function safeParse(quantity: string): number {
  try {
    return parseQuantity(quantity);
  } catch {
    return Number.NaN;
  }
}

/** Multiplies every amount by `factor` (the environment's resource scaling). */
export function scaleResources(spec: ResourcesSpec, factor: number): ResourcesSpec {
  if (factor === 1) return spec;
  const scale = (a: ResourceAmounts): ResourceAmounts => ({
    cpu: formatCpu(parseQuantity(a.cpu) * factor),
    memory: formatMemory(parseQuantity(a.memory) * factor),
  });
  return { requests: scale(spec.requests), limits: scale(spec.limits) };
}

/** The Kubernetes form. */
export function toResourceRequirements(spec: ResourcesSpec): k8s.ResourceRequirements {
  const amounts = (a: ResourceAmounts) => ({ cpu: k8s.Quantity.fromString(a.cpu), memory: k8s.Quantity.fromString(a.memory) });
  return { requests: amounts(spec.requests), limits: amounts(spec.limits) };
}
