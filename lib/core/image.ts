import { parseAll } from '@swimlane/docker-reference';
import { z } from 'zod';

const DIGEST = /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]{32,}$/;

/**
 * Why `image` breaks the reference grammar of the container runtimes (`distribution/reference`,
 * through @swimlane/docker-reference, a port of it), or `undefined` when it is valid.
 */
export function imageReferenceProblem(image: string): string | undefined {
  try {
    parseAll(image);
    return undefined;
  } catch (error) {
    const reason = String((error as Error).message ?? error).replace(/^invalid reference format:?\s*/, '');
    const at = image.indexOf('@');
    if (at !== -1 && !DIGEST.test(image.slice(at + 1))) {
      return `the digest "${image.slice(at + 1)}" is malformed. Fix: give "sha256:" and 64 hex digits, e.g. "${image.slice(0, at)}@sha256:<64 hex digits>"`;
    }
    if (/[A-Z]/.test(image.slice(0, at === -1 ? undefined : at).replace(/:[^/]*$/, ''))) {
      return 'repository name must be lowercase. Fix: write the repository in lower case (tags may keep theirs)';
    }
    return `${reason || 'it does not parse as [registry/]repository[:tag][@digest]'}. Fix: write it as [registry/]repository[:tag][@digest], e.g. "ghcr.io/org/app:v1.2.3"`;
  }
}

/** An image reference `[registry/]repository[:tag][@digest]`, checked against the runtimes' grammar. */
export const imageReference = z
  .string()
  .min(1, 'give the image, e.g. "ghcr.io/org/app:v1.2.3"')
  .superRefine((image, ctx) => {
    const problem = imageReferenceProblem(image);
    if (problem) ctx.addIssue({ code: 'custom', message: `"${image}" is not a valid image reference: ${problem}` });
  });
