import { k8s } from 'cdk8s-plus-28';
import { z } from 'zod';
import type { Issue } from './issues';

/** An object that names a Secret, such as an ExternalSecretSource. */
export interface NamedSecret {
  /** The Secret's name. */
  readonly secretName: string;
}

/** An object that names a ConfigMap, such as a SharedConfig. */
export interface NamedConfigMap {
  /** The ConfigMap's name. */
  readonly name: string;
  /** Checksum of its content; pods that use it roll when it changes. @default none: made outside, its changes do not roll the pods */
  readonly checksum?: string;
}

/** Something that names a Kubernetes Secret: an existing Secret's name, or an ExternalSecretSource. */
export type SecretReference = string | NamedSecret;
/** Something that names a ConfigMap: an existing ConfigMap's name, or a SharedConfig. */
export type ConfigMapReference = string | NamedConfigMap;

/** One key of a Secret. */
export interface SecretKeyEnv {
  /** The Secret. */
  readonly secret: SecretReference;
  /** The key inside it. */
  readonly key: string;
  /** Start the pod even when the key is missing. @default false */
  readonly optional?: boolean;
}

/** One key of a ConfigMap. */
export interface ConfigMapKeyEnv {
  /** The ConfigMap. */
  readonly configMap: ConfigMapReference;
  /** The key inside it. */
  readonly key: string;
}

/** A field of the pod itself (downward API), e.g. `metadata.name` or `status.podIP`. */
export interface FieldEnv {
  /** The field path. */
  readonly field: string;
}

/**
 * An environment variable's value: a plain string (where `$(OTHER)` expands a variable defined
 * before it), a Secret key, a ConfigMap key or a pod field.
 */
export type EnvValue = string | SecretKeyEnv | ConfigMapKeyEnv | FieldEnv;

// z.custom keeps the object itself (zod would copy a plain object and lose getters such as SharedConfig.checksum).
/** Schema of {@link SecretReference}. */
export const secretRefSchema = z.union([
  z.string().min(1),
  z.custom<{ secretName: string }>((v) => typeof (v as { secretName?: unknown })?.secretName === 'string', 'must be a Secret name or an ExternalSecretSource'),
]);
/** Schema of {@link ConfigMapReference}. */
export const configMapRefSchema = z.union([
  z.string().min(1),
  z.custom<{ name: string; checksum?: string }>((v) => typeof (v as { name?: unknown })?.name === 'string', 'must be a ConfigMap name or a SharedConfig'),
]);

/** Schema of {@link SecretKeyEnv}. */
export const secretKeyEnvSchema = z.strictObject({ secret: secretRefSchema, key: z.string().min(1), optional: z.boolean().optional() });

/** Schema of {@link EnvValue}. */
export const envValueSchema: z.ZodType<EnvValue, EnvValue> = z.union([
  z.string(),
  secretKeyEnvSchema,
  z.strictObject({ configMap: configMapRefSchema, key: z.string().min(1) }),
  z.strictObject({ field: z.string().min(1) }),
]);

const ENV_NAME = /^[-._a-zA-Z][-._a-zA-Z0-9]*$/;
/** Schema of an env map with values per `values`: names as Kubernetes accepts them. */
export function envMapSchema<T extends z.ZodType>(values: T) {
  return z.record(z.string().regex(ENV_NAME, 'must be a valid environment variable name'), values);
}
/** Schema of an env map: names as Kubernetes accepts them, values per {@link EnvValue}. */
export const envSchema = envMapSchema(envValueSchema);

/** The name a Secret reference resolves to. */
export function secretName(ref: SecretReference): string {
  return typeof ref === 'string' ? ref : ref.secretName;
}

/** The name a ConfigMap reference resolves to. */
export function configMapName(ref: ConfigMapReference): string {
  return typeof ref === 'string' ? ref : ref.name;
}

const SECRET_NAME = /(PASSWORD|PASSWD|SECRET|TOKEN|API_?KEY|PRIVATE_?KEY|CREDENTIAL|ACCESS_?KEY|(^|_)(PWD|PASS|KEY)$)/i;
// A secret-sounding name ending in one of these is a plain setting about secrets (where they are
// served, how a token cookie is scoped): `SECRETS_URL`, `TOKEN_COOKIES_DOMAIN`, `ID_TOKEN_HEADER_NAME`.
const SETTING_SUFFIX = /_(URL|HOST|PORT|ENDPOINT|PROVIDER|DOMAIN|SAMESITE|NAME|PATH|FILE|DIR|REGION|TTL|SECONDS|TIMEOUT|ENABLED|MODE|TYPE)$/i;
const URL_WITH_PASSWORD = /^[a-z][a-z0-9+.-]*:\/\/[^/\s:@]*:([^@\s]+)@/i;
const VARIABLE_ONLY = /^(\$\([A-Za-z_][A-Za-z0-9_]*\))?$/;

/**
 * The keys of `values` that look like secret values written in clear: a secret-sounding name
 * with a literal value (unless the name ends in a plain setting's noun, as `SECRETS_URL` does), or
 * a URL with an embedded password that is not a `$(VAR)` reference.
 */
export function secretLikeEntries(values: Readonly<Record<string, unknown>>): string[] {
  const found: string[] = [];
  for (const [name, value] of Object.entries(values)) {
    if (typeof value !== 'string') continue;
    const password = URL_WITH_PASSWORD.exec(value)?.[1];
    const namedSecret = SECRET_NAME.test(name) && !SETTING_SUFFIX.test(name) && !VARIABLE_ONLY.test(value) && !/^(\d+|true|false)$/i.test(value);
    if (namedSecret || (password !== undefined && !VARIABLE_ONLY.test(password))) found.push(name);
  }
  return found;
}

/** Problems with an env map: secret values in clear and `$(VAR)` references to variables not defined before. */
export function checkEnv(env: Readonly<Record<string, EnvValue>>, field: string, hasEnvFrom: boolean): Issue[] {
  const issues: Issue[] = secretLikeEntries(env).map((name) => ({
    field: `${field}.${name}`,
    message: 'looks like a secret value written in clear; it would be committed to dist/ and readable by anyone who can read the namespace',
    fix: `reference it instead: ${name}: { secret: '<secret-name>', key: '${name}' }`,
    // The credentials check finds the same value in the ConfigMap or the container's env.
    covers: [
      { check: 'secrets', field: new RegExp(`(^data(\\.${escapeRegExp(name)}|\\[${escapeRegExp(name)}\\])|\\.env\\[${escapeRegExp(name)}\\]\\.value)$`) },
    ],
  }));
  const defined = new Set<string>();
  for (const [name, value] of Object.entries(env)) {
    if (typeof value === 'string' && !hasEnvFrom) {
      for (const match of value.matchAll(/\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g)) {
        if (!defined.has(match[1])) {
          issues.push({
            field: `${field}.${name}`,
            message: `refers to $(${match[1]}), which is not defined before it; Kubernetes would leave the text "$(${match[1]})" unexpanded`,
            fix: `define ${match[1]} earlier in ${field}`,
          });
        }
      }
    }
    defined.add(name);
  }
  return issues;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The Kubernetes form of an env map, in definition order (which `$(VAR)` expansion depends on). */
export function toEnvVars(env: Readonly<Record<string, EnvValue>>): k8s.EnvVar[] {
  return Object.entries(env).map(([name, value]): k8s.EnvVar => {
    if (typeof value === 'string') return { name, value };
    if ('secret' in value) {
      return { name, valueFrom: { secretKeyRef: { name: secretName(value.secret), key: value.key, optional: value.optional } } };
    }
    if ('configMap' in value) return { name, valueFrom: { configMapKeyRef: { name: configMapName(value.configMap), key: value.key } } };
    return { name, valueFrom: { fieldRef: { fieldPath: value.field } } };
  });
}
