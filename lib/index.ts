// The public API of shipshape. Internals (the pod builder, output writers, check plumbing) stay out.
export { WebApp, WebAppProps, WebAppAutoscaling } from './web-app';
export { AutoscaledBackend, AutoscaledBackendProps, BackendAutoscaling } from './autoscaled-backend';
export { Worker, WorkerProps, WorkerScaling, RedisListScaling, SecretKeyReference } from './worker';
export { MigrationJob, MigrationJobProps } from './migration-job';
export { ScheduledTask, ScheduledTaskProps, ConcurrencyPolicy } from './scheduled-task';
export { StatefulService, StatefulServiceProps, StatefulUpdateStrategy } from './stateful-service';
export { TlsIngress, TlsIngressProps, TlsRoute, RateLimit, HstsOptions, PathMatch, StreamingKind, TlsIngressFlavour } from './tls-ingress';
export { SystemChart, SystemChartProps, Layer, WiringEdge } from './system-chart';
export { Peer, WorkloadPeer, OutsidePeer, Destination, AcmeSolverDestination, TrafficRule, peers } from './core/network-peers';
export {
  Environment,
  EnvironmentInput,
  EnvironmentSchema,
  Tier,
  TlsIssuer,
  Scaling,
  WorkloadOverride,
  SecurityException,
  SecurityExceptionName,
  SECURITY_EXCEPTIONS,
  Delivery,
  DeliveryRepository,
  IngressController,
  GatewayEdge,
  GatewayDataPlane,
  ParsedGatewayEdge,
  KedaOperator,
  StorageClasses,
  NodeCapacity,
  DEFAULT_NODE_CAPACITY,
  Monitoring,
  Egress,
  ClusterDns,
  ExternalService,
  AcmeSolver,
  Acknowledgement,
  defineEnvironment,
} from './environment';
export {
  SystemDefinition,
  RenderedEstate,
  EnvironmentSummary,
  RenderOptions,
  SynthesizeOptions,
  renderEstate,
  synthesizeEstate,
  runSynth,
  formatSummary,
} from './estate';
export { Workload, ServedWorkload, CONFIG_CHECKSUM_ANNOTATION, SECRET_RELOAD_ANNOTATION, SECURITY_EXCEPTIONS_ANNOTATION } from './core/workload';
export {
  WorkloadProps,
  VolumeSpec,
  VolumeBase,
  EmptyDirVolume,
  EmptyDirOptions,
  HostPathOptions,
  ClaimVolume,
  ConfigMapVolume,
  SecretVolume,
  HostPathVolume,
  ContainerSpec,
  SchedulingSpec,
  SecuritySpec,
  ShutdownSpec,
  ServiceSpec,
  ExtraPortSpec,
  MetricsSpec,
  MetadataSpec,
  ServiceAccountSpec,
} from './core/workload-props';
export { ProbeSpec, ProbesSpec, HttpProbe, TcpProbe, GrpcProbe, ExecProbe, ProbeTiming } from './core/probes';
export {
  CustomMetric,
  PodsMetric,
  ExternalMetric,
  KedaTrigger,
  PrometheusTrigger,
  RabbitMqTrigger,
  KafkaTrigger,
  KafkaSasl,
  PostgresTrigger,
  CronTrigger,
} from './core/autoscaling';
export { EgressDestination, CidrDestination, NamespaceDestination } from './core/egress';
export { ResourcesSpec, ResourceAmounts } from './core/resources';
export { EnvValue, SecretKeyEnv, ConfigMapKeyEnv, FieldEnv, SecretReference, ConfigMapReference, NamedSecret, NamedConfigMap } from './core/env';
export { SharedConfig, SharedConfigProps } from './shared-config';
export { ExternalSecretSource, ExternalSecretSourceProps, RemoteKey, SecretStoreReference } from './core/secrets';
export { PersistentClaim, PersistentClaimProps, AccessMode } from './persistent-claim';
export { ShipshapeError, WARNING_CODES, WarningCode } from './core/issues';
export { AcknowledgedWarning } from './core/acknowledgements';
export { OutputError } from './output/outdir';
export { PodSecurityLevel, PodSecurityControl, PodSecurityViolation, evaluatePodSecurity } from './checks/pod-security';
