import { k8s } from 'cdk8s-plus-28';
import { z } from 'zod';
import { ScaledObjectSpecTriggers, ScaledObjectSpecTriggersAuthenticationRefKind } from '../../imports/scaledobjects-keda.sh';
import { TriggerAuthenticationSpecSecretTargetRef } from '../../imports/triggerauthentications-keda.sh';
import { SecretReference, secretName, secretRefSchema } from './env';
import { labelMap } from './names';
import { isQuantity } from './quantity';
import { keyedUnion } from './zod-messages';

/** One key of a Secret. */
export interface SecretKeyReference {
  /** The Secret, by name or as an ExternalSecretSource. */
  readonly secret: SecretReference;
  /** The key inside it. */
  readonly key: string;
}

/** Schema of a {@link SecretKeyReference}. */
export const secretKeySchema = z.strictObject({ secret: secretRefSchema, key: z.string().min(1) });

/** A per-pod metric of the custom metrics API (e.g. a Prometheus Adapter rule), averaged over the pods. */
export interface PodsMetric {
  /** The metric and its target per pod. */
  readonly pods: {
    /** The metric's name, e.g. `http_requests_per_second`. */
    readonly metric: string;
    /** The target average per pod, a quantity such as `100` or `500m`. */
    readonly averageValue: string;
  };
}

/** A metric of the external metrics API (a queue or a cloud service), not tied to the pods. */
export interface ExternalMetric {
  /** The metric and its target per replica. */
  readonly external: {
    /** The metric's name. */
    readonly metric: string;
    /** Labels narrowing the series. @default none */
    readonly selector?: Readonly<Record<string, string>>;
    /** The target per replica, a quantity (the HPA divides the metric by it). */
    readonly averageValue: string;
  };
}

/** A further metric an HPA scales on, beside CPU and memory. */
export type CustomMetric = PodsMetric | ExternalMetric;

const quantity = z.string().refine(isQuantity, 'must be a quantity such as "100" or "500m"');
const metricName = z.string().regex(/^[A-Za-z_:][A-Za-z0-9_:.\-/]*$/, 'must be a metric name such as "http_requests_per_second"');

/** Schema of a {@link CustomMetric}. */
export const customMetricSchema: z.ZodType<CustomMetric, CustomMetric> = keyedUnion<CustomMetric>('a custom metric', {
  pods: z.strictObject({ pods: z.strictObject({ metric: metricName, averageValue: quantity }) }),
  external: z.strictObject({ external: z.strictObject({ metric: metricName, selector: labelMap.optional(), averageValue: quantity }) }),
});

/** The HPA form of a custom metric. */
export function toMetricSpec(metric: CustomMetric): k8s.MetricSpecV2 {
  const target = (averageValue: string) => ({ type: 'AverageValue', averageValue: k8s.Quantity.fromString(averageValue) });
  if ('pods' in metric) return { type: 'Pods', pods: { metric: { name: metric.pods.metric }, target: target(metric.pods.averageValue) } };
  const selector = metric.external.selector ? { matchLabels: { ...metric.external.selector } } : undefined;
  return { type: 'External', external: { metric: { name: metric.external.metric, selector }, target: target(metric.external.averageValue) } };
}

/** Scale on the result of a PromQL query. */
export interface PrometheusTrigger {
  /** The server and the query. */
  readonly prometheus: {
    /** The Prometheus's URL, e.g. `http://prometheus-operated.monitoring:9090`. */
    readonly serverAddress: string;
    /** A PromQL query returning one value. */
    readonly query: string;
    /** The value per replica. */
    readonly threshold: number;
  };
}

/** Scale on the backlog of a RabbitMQ queue. */
export interface RabbitMqTrigger {
  /** The queue and how to reach it. */
  readonly rabbitmq: {
    /** The queue's name. */
    readonly queueName: string;
    /** Messages per replica. */
    readonly value: number;
    /** The AMQP URL with its credentials (`amqp://user:pass@host:5672/vhost`), read by KEDA from a Secret. */
    readonly host: SecretKeyReference;
  };
}

/** Scale on the lag of a Kafka consumer group. */
export interface KafkaTrigger {
  /** The brokers, the consumer group and the topic. */
  readonly kafka: {
    /** `host:port` of the brokers, comma-separated. */
    readonly bootstrapServers: string;
    /** The consumer group whose lag is measured. */
    readonly consumerGroup: string;
    /** The topic it consumes. */
    readonly topic: string;
    /** Lag per replica. */
    readonly lagThreshold: number;
    /** SASL credentials, read by KEDA from Secrets. @default none */
    readonly sasl?: KafkaSasl;
  };
}

/** SASL credentials of a Kafka trigger. */
export interface KafkaSasl {
  /** The SASL mechanism. */
  readonly mechanism: 'plaintext' | 'scram_sha256' | 'scram_sha512';
  /** The user name's Secret key. */
  readonly username: SecretKeyReference;
  /** The password's Secret key. */
  readonly password: SecretKeyReference;
}

/** Scale on the result of a PostgreSQL query (a jobs table's pending rows). */
export interface PostgresTrigger {
  /** The query and the connection. */
  readonly postgresql: {
    /** A query returning one number. */
    readonly query: string;
    /** The value per replica. */
    readonly targetQueryValue: number;
    /** The connection string (`postgresql://user:pass@host:5432/db`), read by KEDA from a Secret. */
    readonly connection: SecretKeyReference;
  };
}

/** Hold a number of replicas during a daily window. */
export interface CronTrigger {
  /** The window and the replicas in it. */
  readonly cron: {
    /** IANA time zone, e.g. `Europe/Berlin`. */
    readonly timezone: string;
    /** Cron expression of the window's start, e.g. `0 8 * * 1-5`. */
    readonly start: string;
    /** Cron expression of its end. */
    readonly end: string;
    /** Replicas held during the window. */
    readonly desiredReplicas: number;
  };
}

/** A KEDA trigger beyond a Redis list. */
export type KedaTrigger = PrometheusTrigger | RabbitMqTrigger | KafkaTrigger | PostgresTrigger | CronTrigger;

const positive = z.number().positive();
const cronExpression = z.string().regex(/^(\S+\s+){4}\S+$/, 'must be a cron expression of five fields such as "0 8 * * 1-5"');

/** Schema of a {@link KedaTrigger}. */
export const kedaTriggerSchema: z.ZodType<KedaTrigger, KedaTrigger> = keyedUnion<KedaTrigger>('a KEDA trigger', {
  prometheus: z.strictObject({
    prometheus: z.strictObject({
      serverAddress: z.url('must be the Prometheus URL such as "http://prometheus-operated.monitoring:9090"'),
      query: z.string().min(1),
      threshold: positive,
    }),
  }),
  rabbitmq: z.strictObject({ rabbitmq: z.strictObject({ queueName: z.string().min(1), value: positive, host: secretKeySchema }) }),
  kafka: z.strictObject({
    kafka: z.strictObject({
      bootstrapServers: z.string().regex(/^[^\s,:]+:\d{1,5}(,[^\s,:]+:\d{1,5})*$/, 'must be host:port, comma-separated, e.g. "kafka:9092"'),
      consumerGroup: z.string().min(1),
      topic: z.string().min(1),
      lagThreshold: z.number().int().min(1),
      sasl: z
        .strictObject({ mechanism: z.enum(['plaintext', 'scram_sha256', 'scram_sha512']), username: secretKeySchema, password: secretKeySchema })
        .optional(),
    }),
  }),
  postgresql: z.strictObject({ postgresql: z.strictObject({ query: z.string().min(1), targetQueryValue: positive, connection: secretKeySchema }) }),
  cron: z.strictObject({
    cron: z.strictObject({
      timezone: z.string().regex(/^[A-Za-z_]+(\/[A-Za-z0-9_+-]+)*$/, 'must be an IANA time zone such as "Europe/Berlin"'),
      start: cronExpression,
      end: cronExpression,
      desiredReplicas: z.number().int().min(1),
    }),
  }),
});

/** A trigger's KEDA form and the Secret keys KEDA reads for it (parameter → key). */
export function toKedaTrigger(trigger: KedaTrigger): { type: string; metadata: Record<string, string>; secrets: Record<string, SecretKeyReference> } {
  if ('prometheus' in trigger) {
    const { serverAddress, query, threshold } = trigger.prometheus;
    return { type: 'prometheus', metadata: { serverAddress, query, threshold: String(threshold) }, secrets: {} };
  }
  if ('rabbitmq' in trigger)
    return {
      type: 'rabbitmq',
      metadata: { queueName: trigger.rabbitmq.queueName, mode: 'QueueLength', value: String(trigger.rabbitmq.value) },
      secrets: { host: trigger.rabbitmq.host },
    };
  if ('kafka' in trigger) {
    const { sasl, lagThreshold, ...rest } = trigger.kafka;
    return {
      type: 'kafka',
      metadata: { ...rest, lagThreshold: String(lagThreshold), ...(sasl ? { sasl: sasl.mechanism } : {}) },
      secrets: sasl ? { username: sasl.username, password: sasl.password } : {},
    };
  }
  if ('postgresql' in trigger)
    return {
      type: 'postgresql',
      metadata: { query: trigger.postgresql.query, targetQueryValue: String(trigger.postgresql.targetQueryValue) },
      secrets: { connection: trigger.postgresql.connection },
    };
  const { desiredReplicas, ...cron } = trigger.cron;
  return { type: 'cron', metadata: { ...cron, desiredReplicas: String(desiredReplicas) }, secrets: {} };
}

/** The ScaledObject trigger, referring to the TriggerAuthentication `authName` when KEDA reads Secrets for it. */
export function scaledObjectTrigger(type: string, metadata: Record<string, string>, authName: string | undefined): ScaledObjectSpecTriggers {
  return {
    type,
    metadata,
    authenticationRef: authName ? { name: authName, kind: ScaledObjectSpecTriggersAuthenticationRefKind.TRIGGER_AUTHENTICATION } : undefined,
  };
}

/** The `secretTargetRef` entries of a TriggerAuthentication giving KEDA those Secret keys. */
export function secretTargets(secrets: Readonly<Record<string, SecretKeyReference>>): TriggerAuthenticationSpecSecretTargetRef[] {
  return Object.entries(secrets).map(([parameter, ref]) => ({ parameter, name: secretName(ref.secret), key: ref.key }));
}
