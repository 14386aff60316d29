import { describe, expect, it } from 'vitest';
import { PodSecurityViolation, evaluatePodSecurity, strictestProfile, weakestProfile } from '../../lib/checks/pod-security';

type Json = Record<string, any>;

/** A pod that meets `restricted`: each test breaks it in exactly one way. */
function hardenedPod(): Json {
  const containerContext = () => ({ allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } });
  return {
    securityContext: { runAsNonRoot: true, runAsUser: 1000, seccompProfile: { type: 'RuntimeDefault' } },
    initContainers: [{ name: 'migrate', image: 'ghcr.io/example/app:v1', securityContext: containerContext() }],
    containers: [
      {
        name: 'app',
        image: 'ghcr.io/example/app:v1',
        ports: [{ name: 'http', containerPort: 8080 }],
        securityContext: containerContext(),
      },
    ],
    volumes: [
      { name: 'tmp', emptyDir: {} },
      { name: 'config', configMap: { name: 'app' } },
      { name: 'data', persistentVolumeClaim: { claimName: 'data' } },
    ],
  };
}

/** The main container of a pod built by `hardenedPod`. */
const app = (pod: Json): Json => pod.containers[0];
const migrate = (pod: Json): Json => pod.initContainers[0];

/** The violations without their messages, which are for people. */
function evaluate(pod: Json, annotations?: Record<string, string>): Omit<PodSecurityViolation, 'message'>[] {
  return evaluatePodSecurity(pod, annotations).map(({ control, level, field }) => ({ control, level, field }));
}

describe('evaluatePodSecurity', () => {
  it('finds nothing wrong with a hardened pod', () => {
    const violations = evaluatePodSecurity(hardenedPod());
    expect(violations).toEqual([]);
    expect(strictestProfile(violations)).toBe('restricted');
  });

  it('reports every control, each in one sentence saying what is wrong and then the fix', () => {
    const pod = hardenedPod();
    Object.assign(pod, { hostPID: true });
    Object.assign(pod.securityContext, {
      runAsNonRoot: false,
      runAsUser: 0,
      seccompProfile: { type: 'Unconfined' },
      sysctls: [{ name: 'kernel.sem', value: '1' }],
    });
    Object.assign(app(pod).securityContext, {
      privileged: true,
      allowPrivilegeEscalation: true,
      capabilities: { add: ['SYS_ADMIN'] },
      seLinuxOptions: { type: 'spc_t' },
      procMount: 'Unmasked',
    });
    app(pod).ports[0].hostPort = 8080;
    pod.volumes.push(
      { name: 'docker-sock', hostPath: { path: '/var/run/docker.sock' } },
      { name: 'repo', gitRepo: { repository: 'https://example.com/repo.git' } },
    );
    const violations = evaluatePodSecurity(pod, { 'container.apparmor.security.beta.kubernetes.io/app': 'unconfined' });

    expect(new Set(violations.map((v) => v.control))).toEqual(
      new Set([
        'hostNamespaces',
        'privileged',
        'capabilities',
        'hostPath',
        'hostPorts',
        'appArmor',
        'seLinux',
        'procMount',
        'seccomp',
        'sysctls',
        'volumeTypes',
        'privilegeEscalation',
        'runAsNonRoot',
        'runAsUser',
      ]),
    );
    for (const { message } of violations) {
      expect(message).toMatch(/^[^;]+; [^;]+$/);
      expect(message).not.toMatch(/\.( |$)/);
    }
    expect(strictestProfile(violations)).toBe('privileged');
  });

  describe('hostNamespaces', () => {
    it.each(['hostNetwork', 'hostPID', 'hostIPC'])('forbids %s at baseline', (key) => {
      const pod = hardenedPod();
      pod[key] = true;
      expect(evaluate(pod)).toEqual([{ control: 'hostNamespaces', level: 'baseline', field: `spec.${key}` }]);
    });

    it('accepts an explicit false', () => {
      expect(evaluate({ ...hardenedPod(), hostNetwork: false, hostPID: false, hostIPC: false })).toEqual([]);
    });
  });

  describe('privileged', () => {
    it('forbids a privileged container at baseline', () => {
      const pod = hardenedPod();
      app(pod).securityContext.privileged = true;
      expect(evaluate(pod)).toEqual([{ control: 'privileged', level: 'baseline', field: 'spec.containers[app].securityContext.privileged' }]);
    });

    it('forbids a Windows HostProcess container under the same control', () => {
      const pod = hardenedPod();
      pod.os = { name: 'windows' };
      app(pod).securityContext.windowsOptions = { hostProcess: true };
      expect(evaluate(pod)).toEqual([{ control: 'privileged', level: 'baseline', field: 'spec.containers[app].securityContext.windowsOptions.hostProcess' }]);
    });
  });

  describe('capabilities', () => {
    it('forbids adding NET_ADMIN at baseline', () => {
      const pod = hardenedPod();
      app(pod).securityContext.capabilities.add = ['NET_ADMIN'];
      expect(evaluate(pod)).toEqual([{ control: 'capabilities', level: 'baseline', field: 'spec.containers[app].securityContext.capabilities.add' }]);
    });

    it('allows adding NET_BIND_SERVICE in restricted', () => {
      const pod = hardenedPod();
      app(pod).securityContext.capabilities.add = ['NET_BIND_SERVICE'];
      expect(evaluate(pod)).toEqual([]);
    });

    it('allows the default set in baseline but not in restricted', () => {
      const pod = hardenedPod();
      app(pod).securityContext.capabilities.add = ['CHOWN'];
      expect(evaluate(pod)).toEqual([{ control: 'capabilities', level: 'restricted', field: 'spec.containers[app].securityContext.capabilities.add' }]);
    });

    it('names each added capability once, at the lowest level that forbids it', () => {
      const pod = hardenedPod();
      app(pod).securityContext.capabilities.add = ['SYS_ADMIN', 'CHOWN', 'NET_BIND_SERVICE'];
      const violations = evaluatePodSecurity(pod);
      expect(violations.map((v) => [v.level, v.message])).toEqual([
        ['baseline', expect.stringMatching(/^adds SYS_ADMIN,/)],
        ['restricted', expect.stringMatching(/^adds CHOWN,/)],
      ]);
    });

    it('requires dropping ALL in restricted', () => {
      const pod = hardenedPod();
      migrate(pod).securityContext.capabilities.drop = ['NET_RAW'];
      expect(evaluate(pod)).toEqual([
        { control: 'capabilities', level: 'restricted', field: 'spec.initContainers[migrate].securityContext.capabilities.drop' },
      ]);
    });
  });

  describe('hostPath', () => {
    it('forbids a hostPath volume at baseline, and does not report it again under volumeTypes', () => {
      const pod = hardenedPod();
      pod.volumes.push({ name: 'docker-sock', hostPath: { path: '/var/run/docker.sock', type: 'Socket' } });
      const violations = evaluatePodSecurity(pod);
      expect(violations).toEqual([
        { control: 'hostPath', level: 'baseline', field: 'spec.volumes[docker-sock].hostPath', message: expect.stringContaining('/var/run/docker.sock') },
      ]);
      expect(strictestProfile(violations)).toBe('privileged');
    });
  });

  describe('volumeTypes', () => {
    it('forbids a volume type outside the allowed list in restricted', () => {
      const pod = hardenedPod();
      pod.volumes.push({ name: 'shared', nfs: { server: 'nfs.example.com', path: '/exports' } });
      expect(evaluate(pod)).toEqual([{ control: 'volumeTypes', level: 'restricted', field: 'spec.volumes[shared].nfs' }]);
    });

    it('allows every type on the list', () => {
      const pod = hardenedPod();
      pod.volumes.push(
        { name: 'token', projected: { sources: [] } },
        { name: 'creds', secret: { secretName: 'creds' } },
        { name: 'labels', downwardAPI: { items: [] } },
        { name: 'store', csi: { driver: 'secrets-store.csi.k8s.io' } },
        { name: 'scratch', ephemeral: { volumeClaimTemplate: { spec: {} } } },
      );
      expect(evaluate(pod)).toEqual([]);
    });
  });

  describe('hostPorts', () => {
    it('forbids a host port at baseline', () => {
      const pod = hardenedPod();
      app(pod).ports[0].hostPort = 80;
      expect(evaluate(pod)).toEqual([{ control: 'hostPorts', level: 'baseline', field: 'spec.containers[app].ports[http].hostPort' }]);
    });

    it('accepts hostPort 0', () => {
      const pod = hardenedPod();
      app(pod).ports[0].hostPort = 0;
      expect(evaluate(pod)).toEqual([]);
    });
  });

  describe('appArmor', () => {
    const key = 'container.apparmor.security.beta.kubernetes.io/app';

    it('forbids an unconfined AppArmor profile at baseline', () => {
      expect(evaluate(hardenedPod(), { [key]: 'unconfined' })).toEqual([{ control: 'appArmor', level: 'baseline', field: `metadata.annotations[${key}]` }]);
    });

    it('accepts runtime/default, a localhost profile and unrelated annotations', () => {
      expect(evaluate(hardenedPod(), { [key]: 'runtime/default' })).toEqual([]);
      expect(evaluate(hardenedPod(), { [key]: 'localhost/k8s-nginx' })).toEqual([]);
      expect(evaluate(hardenedPod(), { 'example.com/owner': 'unconfined' })).toEqual([]);
    });
  });

  describe('seLinux', () => {
    it('forbids a type outside the container types at baseline', () => {
      const pod = hardenedPod();
      pod.securityContext.seLinuxOptions = { type: 'spc_t' };
      expect(evaluate(pod)).toEqual([{ control: 'seLinux', level: 'baseline', field: 'spec.securityContext.seLinuxOptions.type' }]);
    });

    it('forbids setting a user or role at baseline', () => {
      const pod = hardenedPod();
      app(pod).securityContext.seLinuxOptions = { user: 'system_u', role: 'system_r' };
      expect(evaluate(pod)).toEqual([
        { control: 'seLinux', level: 'baseline', field: 'spec.containers[app].securityContext.seLinuxOptions.user' },
        { control: 'seLinux', level: 'baseline', field: 'spec.containers[app].securityContext.seLinuxOptions.role' },
      ]);
    });

    it('accepts container_t and a level', () => {
      const pod = hardenedPod();
      pod.securityContext.seLinuxOptions = { type: 'container_t', level: 's0:c123,c456' };
      expect(evaluate(pod)).toEqual([]);
    });
  });

  describe('procMount', () => {
    it('forbids an unmasked /proc at baseline', () => {
      const pod = hardenedPod();
      app(pod).securityContext.procMount = 'Unmasked';
      expect(evaluate(pod)).toEqual([{ control: 'procMount', level: 'baseline', field: 'spec.containers[app].securityContext.procMount' }]);
    });

    it('accepts Default', () => {
      const pod = hardenedPod();
      app(pod).securityContext.procMount = 'Default';
      expect(evaluate(pod)).toEqual([]);
    });
  });

  describe('seccomp', () => {
    it('requires a profile in restricted when none is set anywhere, on every container', () => {
      const pod = hardenedPod();
      delete pod.securityContext.seccompProfile;
      expect(evaluate(pod)).toEqual([
        { control: 'seccomp', level: 'restricted', field: 'spec.initContainers[migrate].securityContext.seccompProfile.type' },
        { control: 'seccomp', level: 'restricted', field: 'spec.containers[app].securityContext.seccompProfile.type' },
      ]);
    });

    it('accepts a profile set on every container instead of the pod', () => {
      const pod = hardenedPod();
      delete pod.securityContext.seccompProfile;
      app(pod).securityContext.seccompProfile = { type: 'RuntimeDefault' };
      migrate(pod).securityContext.seccompProfile = { type: 'Localhost', localhostProfile: 'profiles/migrate.json' };
      expect(evaluate(pod)).toEqual([]);
    });

    it('forbids Unconfined on the pod at baseline, once', () => {
      const pod = hardenedPod();
      pod.securityContext.seccompProfile = { type: 'Unconfined' };
      expect(evaluate(pod)).toEqual([{ control: 'seccomp', level: 'baseline', field: 'spec.securityContext.seccompProfile.type' }]);
    });

    it('forbids Unconfined on a container at baseline', () => {
      const pod = hardenedPod();
      app(pod).securityContext.seccompProfile = { type: 'Unconfined' };
      expect(evaluate(pod)).toEqual([{ control: 'seccomp', level: 'baseline', field: 'spec.containers[app].securityContext.seccompProfile.type' }]);
    });
  });

  describe('sysctls', () => {
    it('forbids a sysctl outside the v1.28 safe set at baseline', () => {
      const pod = hardenedPod();
      pod.securityContext.sysctls = [
        { name: 'net.ipv4.ip_local_reserved_ports', value: '30000-30100' },
        { name: 'kernel.msgmax', value: '65536' },
        // Safe only from v1.29 on.
        { name: 'net.ipv4.tcp_keepalive_time', value: '600' },
      ];
      expect(evaluate(pod)).toEqual([
        { control: 'sysctls', level: 'baseline', field: 'spec.securityContext.sysctls[kernel.msgmax]' },
        { control: 'sysctls', level: 'baseline', field: 'spec.securityContext.sysctls[net.ipv4.tcp_keepalive_time]' },
      ]);
    });
  });

  describe('privilegeEscalation', () => {
    it('requires an explicit false on an init container in restricted', () => {
      const pod = hardenedPod();
      delete migrate(pod).securityContext.allowPrivilegeEscalation;
      expect(evaluate(pod)).toEqual([
        { control: 'privilegeEscalation', level: 'restricted', field: 'spec.initContainers[migrate].securityContext.allowPrivilegeEscalation' },
      ]);
    });

    it('covers ephemeral containers too', () => {
      const pod = hardenedPod();
      pod.ephemeralContainers = [{ name: 'debug', image: 'busybox', securityContext: { capabilities: { drop: ['ALL'] }, allowPrivilegeEscalation: true } }];
      expect(evaluate(pod)).toEqual([
        { control: 'privilegeEscalation', level: 'restricted', field: 'spec.ephemeralContainers[debug].securityContext.allowPrivilegeEscalation' },
      ]);
    });
  });

  describe('runAsNonRoot', () => {
    it('requires true on every container when the pod does not set it', () => {
      const pod = hardenedPod();
      delete pod.securityContext.runAsNonRoot;
      app(pod).securityContext.runAsNonRoot = true;
      expect(evaluate(pod)).toEqual([{ control: 'runAsNonRoot', level: 'restricted', field: 'spec.initContainers[migrate].securityContext.runAsNonRoot' }]);
    });

    it('forbids a container overriding the pod with false', () => {
      const pod = hardenedPod();
      app(pod).securityContext.runAsNonRoot = false;
      expect(evaluate(pod)).toEqual([{ control: 'runAsNonRoot', level: 'restricted', field: 'spec.containers[app].securityContext.runAsNonRoot' }]);
    });

    it('reports a pod-level false once, at the pod', () => {
      const pod = hardenedPod();
      pod.securityContext.runAsNonRoot = false;
      expect(evaluate(pod)).toEqual([{ control: 'runAsNonRoot', level: 'restricted', field: 'spec.securityContext.runAsNonRoot' }]);
    });
  });

  describe('runAsUser', () => {
    it('forbids user 0 on a container in restricted', () => {
      const pod = hardenedPod();
      app(pod).securityContext.runAsUser = 0;
      const violations = evaluatePodSecurity(pod);
      expect(evaluate(pod)).toEqual([{ control: 'runAsUser', level: 'restricted', field: 'spec.containers[app].securityContext.runAsUser' }]);
      expect(strictestProfile(violations)).toBe('baseline');
    });

    it('forbids user 0 on the pod in restricted', () => {
      const pod = hardenedPod();
      pod.securityContext.runAsUser = 0;
      expect(evaluate(pod)).toEqual([{ control: 'runAsUser', level: 'restricted', field: 'spec.securityContext.runAsUser' }]);
    });
  });

  it('exempts Windows pods from the Linux-only restricted controls, but not from runAsNonRoot', () => {
    const pod = hardenedPod();
    pod.os = { name: 'windows' };
    delete pod.securityContext.seccompProfile;
    for (const c of [app(pod), migrate(pod)]) c.securityContext = {};
    expect(evaluate(pod)).toEqual([]);
    delete pod.securityContext.runAsNonRoot;
    expect(evaluate(pod).map((v) => v.control)).toEqual(['runAsNonRoot', 'runAsNonRoot']);
  });
});

describe('strictestProfile', () => {
  const violation = (level: PodSecurityViolation['level']): PodSecurityViolation => ({ control: 'runAsUser', level, field: 'spec', message: '' });

  it('is restricted with no violations, baseline with only restricted-level ones, else privileged', () => {
    expect(strictestProfile([])).toBe('restricted');
    expect(strictestProfile([violation('restricted'), violation('restricted')])).toBe('baseline');
    expect(strictestProfile([violation('restricted'), violation('baseline')])).toBe('privileged');
  });
});

describe('weakestProfile', () => {
  it('is the least strict of the profiles given', () => {
    expect(weakestProfile(['restricted', 'baseline', 'restricted'])).toBe('baseline');
    expect(weakestProfile(['baseline', 'privileged', 'restricted'])).toBe('privileged');
    expect(weakestProfile(['restricted'])).toBe('restricted');
  });

  it('is restricted for no pods at all', () => {
    expect(weakestProfile([])).toBe('restricted');
  });
});
