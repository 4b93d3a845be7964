package render

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/robfig/cron/v3"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"

	platformv1alpha1 "github.com/aileron-dev/aileron/api/v1alpha1"
)

// Defaults for what a Component leaves unset.
var (
	DefaultCPURequest    = resource.MustParse("100m")
	DefaultMemoryRequest = resource.MustParse("128Mi")
	DefaultCPULimit      = resource.MustParse("500m")
	DefaultMemoryLimit   = resource.MustParse("256Mi")
)

// runAsUser is the user containers run as: a fixed non-root UID, so that
// images built to run as root still start under Pod Security "restricted".
const runAsUser = 65532

// ConfigHashAnnotation on a pod template changes whenever the component's
// configuration does, so that its pods restart with it.
const ConfigHashAnnotation = "platform.aileron.dev/config-hash"

// ValidateSpec reports what a data plane's API server would refuse in a
// component that the hub's schema cannot express: a schedule outside the
// cron ranges Kubernetes accepts ("0 0 0 0 0" has the right shape, but no
// day 0).
func ValidateSpec(spec platformv1alpha1.ComponentSpec) error {
	if spec.Schedule != "" {
		if _, err := cron.ParseStandard(spec.Schedule); err != nil || strings.Contains(spec.Schedule, "TZ") {
			if err == nil {
				err = errors.New("time zones are not allowed in the schedule (the CronJob runs in UTC)")
			}
			return fmt.Errorf("schedule %q is not a valid cron schedule: %w: fix spec.schedule", spec.Schedule, err)
		}
	}
	// The API server checks the same; a release made before probes were
	// checked there, or a render from files, is held to it here.
	if ps := spec.Container.Probes; ps != nil {
		for _, p := range []struct {
			name  string
			probe *platformv1alpha1.Probe
		}{{"readiness", ps.Readiness}, {"liveness", ps.Liveness}, {"startup", ps.Startup}} {
			if p.probe == nil || p.probe.Endpoint() == "" {
				continue
			}
			if _, ok := endpointPort(spec, p.probe.Endpoint()); !ok {
				return fmt.Errorf("spec.container.probes.%s checks endpoint %s, which the component does not have: name one of spec.endpoints", p.name, p.probe.Endpoint())
			}
		}
	}
	return nil
}

// endpointPort is the port of the component's endpoint name.
func endpointPort(spec platformv1alpha1.ComponentSpec, name string) (int32, bool) {
	for _, e := range spec.Endpoints {
		if e.Name == name {
			return e.Port, true
		}
	}
	return 0, false
}

// Component renders one component's objects in its cell on one plane.
// Aileron renders what it vouches for whatever the type: the component's
// identity (ServiceAccount), its configuration (ConfigMaps), its pod
// template (containers, hardening, resources) and its NetworkPolicy. The
// component's type renders the rest from its templates (the workload,
// which receives the pod template, and how it is served and scaled).
func Component(in Input) (Objects, error) {
	in, err := Overridden(in)
	if err != nil {
		return nil, err
	}
	if in.Image == "" {
		return nil, fmt.Errorf("release %s has no image", in.Release)
	}
	if err := ValidateSpec(in.Spec); err != nil {
		return nil, err
	}
	if err := withinContainerLimits(in.Spec.Container.Resources, in.Resources, in.Organization); err != nil {
		return nil, err
	}
	ns := in.Namespace()
	meta := func(name string) metav1.ObjectMeta {
		return metav1.ObjectMeta{Name: name, Namespace: ns, Labels: in.labels()}
	}
	deps := append([]Dependency(nil), in.Dependencies...)
	sort.Slice(deps, func(i, j int) bool { return deps[i].EnvVar < deps[j].EnvVar })

	var objs []runtime.Object
	objs = append(objs, &corev1.ServiceAccount{
		TypeMeta:                     metav1.TypeMeta{APIVersion: "v1", Kind: "ServiceAccount"},
		ObjectMeta:                   meta(in.Component),
		AutomountServiceAccountToken: ptr.To(false),
	})

	envData := map[string]string{}
	for _, e := range in.Spec.Container.Env {
		if e.Value != nil {
			envData[e.Name] = *e.Value
		}
	}
	for _, d := range deps {
		envData[d.EnvVar] = DependencyURL(CellNamespace(in.Organization, d.Project, in.Environment), d)
	}
	fileData := map[string]string{}
	for i, f := range in.Spec.Container.Files {
		if f.SecretRef == nil {
			fileData[fileKey(i)] = f.Content
		}
	}
	secrets, err := in.externalSecrets(in.Spec)
	if err != nil {
		return nil, err
	}
	if len(envData) > 0 {
		objs = append(objs, configMap(meta(in.Component+"-env"), envData))
	}
	if len(fileData) > 0 {
		objs = append(objs, configMap(meta(in.Component+"-files"), fileData))
	}

	t := in.Type
	if t == nil {
		// A release made before types were kinds pinned none: it renders
		// with the built-in type it names.
		if t = Builtin(string(in.Spec.Type)); t == nil {
			return nil, fmt.Errorf("release %s pins no ComponentType and %q is not a built-in type", in.Release, in.Spec.Type)
		}
	}
	pod := in.podTemplate(envData, fileData)
	pod.Spec.Containers[0].ReadinessProbe, pod.Spec.Containers[0].LivenessProbe, pod.Spec.Containers[0].StartupProbe = in.probes(t.Spec.Workload.Kind)
	if np := in.networkPolicy(meta(in.Component), deps); np != nil {
		objs = append(objs, np)
	}
	own, err := convert(objs...)
	if err != nil {
		return nil, err
	}
	typed, err := t.Render(in, pod, deps, in.Traits...)
	if err != nil {
		return nil, err
	}
	own = append(own, typed...)
	own = append(own, secrets...)
	own.sort()
	return own, nil
}

// replicas is the number of pods the component asks for (the minimum, with
// autoscaling).
func (in Input) replicas() int32 {
	switch {
	case in.Spec.Autoscaling != nil:
		return max(in.Spec.Autoscaling.MinReplicas, 1)
	case in.Spec.Replicas != nil:
		return *in.Spec.Replicas
	default:
		return 1
	}
}

// probes renders the container's probes. With none set, a workload that
// serves (a Deployment or a StatefulSet) with endpoints gets a TCP
// readiness probe on its first endpoint; Jobs and CronJobs, and workloads
// without endpoints, get none.
func (in Input) probes(workload platformv1alpha1.WorkloadKind) (readiness, liveness, startup *corev1.Probe) {
	ps := in.Spec.Container.Probes
	if ps == nil {
		if (workload == "Deployment" || workload == "StatefulSet") && len(in.Spec.Endpoints) > 0 {
			return &corev1.Probe{ProbeHandler: corev1.ProbeHandler{
				TCPSocket: &corev1.TCPSocketAction{Port: intstr.FromString(in.Spec.Endpoints[0].Name)},
			}}, nil, nil
		}
		return nil, nil, nil
	}
	return in.probe(ps.Readiness), in.probe(ps.Liveness), in.probe(ps.Startup)
}

// probe renders p; the ports are the container's, named after the
// endpoints (gRPC probes take a number). ValidateSpec has checked that
// each endpoint exists.
func (in Input) probe(p *platformv1alpha1.Probe) *corev1.Probe {
	if p == nil {
		return nil
	}
	out := &corev1.Probe{
		InitialDelaySeconds: ptr.Deref(p.InitialDelaySeconds, 0),
		PeriodSeconds:       ptr.Deref(p.PeriodSeconds, 0),
		TimeoutSeconds:      ptr.Deref(p.TimeoutSeconds, 0),
		FailureThreshold:    ptr.Deref(p.FailureThreshold, 0),
	}
	switch {
	case p.HTTP != nil:
		path := p.HTTP.Path
		if path == "" {
			path = "/"
		}
		out.HTTPGet = &corev1.HTTPGetAction{Path: path, Port: intstr.FromString(p.HTTP.Endpoint)}
	case p.GRPC != nil:
		port, _ := endpointPort(in.Spec, p.GRPC.Endpoint)
		out.GRPC = &corev1.GRPCAction{Port: port}
		if p.GRPC.Service != "" {
			out.GRPC.Service = ptr.To(p.GRPC.Service)
		}
	case p.TCP != nil:
		out.TCPSocket = &corev1.TCPSocketAction{Port: intstr.FromString(p.TCP.Endpoint)}
	case p.Exec != nil:
		out.Exec = &corev1.ExecAction{Command: p.Exec.Command}
	}
	return out
}

func fileKey(i int) string { return fmt.Sprintf("file-%d", i) }

func configMap(meta metav1.ObjectMeta, data map[string]string) *corev1.ConfigMap {
	return &corev1.ConfigMap{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "ConfigMap"}, ObjectMeta: meta, Data: data}
}

func (in Input) podTemplate(envData, fileData map[string]string) corev1.PodTemplateSpec {
	c := corev1.Container{
		Name:      "main",
		Image:     in.Image,
		Command:   in.Spec.Container.Command,
		Args:      in.Spec.Container.Args,
		Resources: fill(in.Spec.Container.Resources, defaultsOf(in.Resources)),
		SecurityContext: &corev1.SecurityContext{
			AllowPrivilegeEscalation: ptr.To(false),
			ReadOnlyRootFilesystem:   ptr.To(true),
			RunAsNonRoot:             ptr.To(true),
			Capabilities:             &corev1.Capabilities{Drop: []corev1.Capability{"ALL"}},
			SeccompProfile:           &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault},
		},
		VolumeMounts: []corev1.VolumeMount{{Name: "tmp", MountPath: "/tmp"}},
	}
	for _, e := range in.Spec.Endpoints {
		c.Ports = append(c.Ports, corev1.ContainerPort{Name: e.Name, ContainerPort: e.Port, Protocol: corev1.ProtocolTCP})
	}
	if len(envData) > 0 {
		c.EnvFrom = []corev1.EnvFromSource{{ConfigMapRef: &corev1.ConfigMapEnvSource{LocalObjectReference: corev1.LocalObjectReference{Name: in.Component + "-env"}}}}
	}
	for _, e := range in.Spec.Container.Env {
		if e.SecretKeyRef != nil {
			c.Env = append(c.Env, corev1.EnvVar{Name: e.Name, ValueFrom: &corev1.EnvVarSource{SecretKeyRef: &corev1.SecretKeySelector{
				LocalObjectReference: corev1.LocalObjectReference{Name: e.SecretKeyRef.Name}, Key: e.SecretKeyRef.Key,
			}}})
		}
	}
	c.Env = append(c.Env, in.secretEnv(in.Spec)...)
	volumes := []corev1.Volume{{Name: "tmp", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}}}
	if len(fileData) > 0 {
		var items []corev1.KeyToPath
		for i, f := range in.Spec.Container.Files {
			if f.SecretRef != nil {
				continue
			}
			items = append(items, corev1.KeyToPath{Key: fileKey(i), Path: fileKey(i)})
			c.VolumeMounts = append(c.VolumeMounts, corev1.VolumeMount{Name: "files", MountPath: f.MountPath, SubPath: fileKey(i), ReadOnly: true})
		}
		volumes = append(volumes, corev1.Volume{Name: "files", VolumeSource: corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{
			LocalObjectReference: corev1.LocalObjectReference{Name: in.Component + "-files"}, Items: items,
		}}})
	}
	secretVolumes, secretMounts := in.secretFiles(in.Spec)
	volumes = append(volumes, secretVolumes...)
	c.VolumeMounts = append(c.VolumeMounts, secretMounts...)
	return corev1.PodTemplateSpec{
		ObjectMeta: metav1.ObjectMeta{
			Labels:      in.releaseLabels(),
			Annotations: map[string]string{ConfigHashAnnotation: in.configHash(envData, fileData)},
		},
		Spec: corev1.PodSpec{
			ServiceAccountName:           in.Component,
			AutomountServiceAccountToken: ptr.To(false),
			SecurityContext: &corev1.PodSecurityContext{
				RunAsNonRoot:   ptr.To(true),
				RunAsUser:      ptr.To[int64](runAsUser),
				RunAsGroup:     ptr.To[int64](runAsUser),
				FSGroup:        ptr.To[int64](runAsUser),
				SeccompProfile: &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault},
			},
			Containers: []corev1.Container{c},
			Volumes:    volumes,
		},
	}
}

// configHash is the hash of the container's configuration: its variables
// and files, and where its secrets are read from. A component without
// secrets keeps the hash it had before secrets were rendered.
func (in Input) configHash(envData, fileData map[string]string) string {
	if sources := in.secretSources(in.Spec); len(sources) > 0 {
		return configHash(envData, fileData, sources)
	}
	return configHash(envData, fileData)
}

func configHash(maps ...map[string]string) string {
	h := sha256.New()
	for _, m := range maps {
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			_, _ = fmt.Fprintf(h, "%q=%q;", k, m[k]) // a hash never fails to write
		}
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil))[:16]
}

// fill completes what a container leaves unset with defaults; a default
// limit never falls below the request the container sets, nor a default
// request above the limit it sets (Kubernetes refuses a request above its
// limit).
func fill(r *platformv1alpha1.Resources, defaults corev1.ResourceRequirements) corev1.ResourceRequirements {
	var req, lim *platformv1alpha1.ResourceList
	if r != nil {
		req, lim = r.Requests, r.Limits
	}
	out := corev1.ResourceRequirements{Requests: corev1.ResourceList{}, Limits: corev1.ResourceList{}}
	for _, name := range []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory} {
		request, limit := defaults.Requests[name], defaults.Limits[name]
		setReq, setLim := quantityOf(req, name), quantityOf(lim, name)
		if setReq != nil {
			request = *setReq
		}
		if setLim != nil {
			limit = *setLim
		}
		if request.Cmp(limit) > 0 {
			// The API admits no set request above a set limit: one of
			// the two is a default.
			if setLim == nil {
				limit = request
			} else {
				request = limit
			}
		}
		out.Requests[name] = request
		out.Limits[name] = limit
	}
	return out
}

// networkPolicy opens, on top of the cell's default deny, exactly what the
// component declares: ingress to each endpoint from who its visibility
// admits, and egress to each dependency's endpoint.
func (in Input) networkPolicy(meta metav1.ObjectMeta, deps []Dependency) *networkingv1.NetworkPolicy {
	tcp := corev1.ProtocolTCP
	orgCells := &metav1.LabelSelector{MatchLabels: map[string]string{
		platformv1alpha1.LabelOrganization: in.Organization,
		platformv1alpha1.LabelEnvironment:  in.Environment,
	}}
	np := &networkingv1.NetworkPolicy{
		TypeMeta:   metav1.TypeMeta{APIVersion: "networking.k8s.io/v1", Kind: "NetworkPolicy"},
		ObjectMeta: meta,
		Spec:       networkingv1.NetworkPolicySpec{PodSelector: metav1.LabelSelector{MatchLabels: in.selector()}},
	}
	for _, e := range in.Spec.Endpoints {
		port := intstr.FromInt32(e.Port)
		var from []networkingv1.NetworkPolicyPeer
		switch e.Visibility {
		case platformv1alpha1.VisibilityOrganization:
			from = []networkingv1.NetworkPolicyPeer{{NamespaceSelector: orgCells}}
		case platformv1alpha1.VisibilityPublic:
			from = []networkingv1.NetworkPolicyPeer{
				{NamespaceSelector: orgCells},
				{NamespaceSelector: &metav1.LabelSelector{MatchLabels: map[string]string{corev1.LabelMetadataName: in.Plane.GatewayNamespace}}},
			}
		default: // Project: the cell itself.
			from = []networkingv1.NetworkPolicyPeer{{PodSelector: &metav1.LabelSelector{}}}
		}
		np.Spec.Ingress = append(np.Spec.Ingress, networkingv1.NetworkPolicyIngressRule{
			From: from, Ports: []networkingv1.NetworkPolicyPort{{Protocol: &tcp, Port: &port}},
		})
	}
	for _, d := range deps {
		port := intstr.FromInt32(d.Port)
		np.Spec.Egress = append(np.Spec.Egress, networkingv1.NetworkPolicyEgressRule{
			To: []networkingv1.NetworkPolicyPeer{{
				NamespaceSelector: &metav1.LabelSelector{MatchLabels: map[string]string{
					corev1.LabelMetadataName: CellNamespace(in.Organization, d.Project, in.Environment),
				}},
				PodSelector: &metav1.LabelSelector{MatchLabels: map[string]string{platformv1alpha1.LabelComponent: d.Component}},
			}},
			Ports: []networkingv1.NetworkPolicyPort{{Protocol: &tcp, Port: &port}},
		})
	}
	if len(np.Spec.Ingress) > 0 {
		np.Spec.PolicyTypes = append(np.Spec.PolicyTypes, networkingv1.PolicyTypeIngress)
	}
	if len(np.Spec.Egress) > 0 {
		np.Spec.PolicyTypes = append(np.Spec.PolicyTypes, networkingv1.PolicyTypeEgress)
	}
	if len(np.Spec.PolicyTypes) == 0 {
		return nil
	}
	return np
}

// URLs are the public URLs of the component on the plane.
func URLs(in Input) []string {
	host := PublicHost(in.Plane, in.Organization, in.Project, in.Environment, in.Component)
	if host == "" {
		return nil
	}
	var out []string
	for _, e := range in.Spec.Endpoints {
		if e.Visibility == platformv1alpha1.VisibilityPublic {
			path := e.Path
			if path == "" {
				path = "/"
			}
			out = append(out, "https://"+host+path)
		}
	}
	return out
}
