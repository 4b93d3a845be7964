package render

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/robfig/cron/v3"
	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"
	gatewayv1 "sigs.k8s.io/gateway-api/apis/v1"

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
	if spec.Type == platformv1alpha1.ComponentScheduledTask {
		if _, err := cron.ParseStandard(spec.Schedule); err != nil || strings.Contains(spec.Schedule, "TZ") {
			if err == nil {
				err = errors.New("time zones are not allowed in the schedule (the CronJob runs in UTC)")
			}
			return fmt.Errorf("schedule %q is not a valid cron schedule: %w", spec.Schedule, err)
		}
	}
	return nil
}

// Component renders one component's objects in its cell on one plane.
func Component(in Input) (Objects, error) {
	if in.Image == "" {
		return nil, fmt.Errorf("release %s has no image", in.Release)
	}
	if err := ValidateSpec(in.Spec); err != nil {
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
		fileData[fileKey(i)] = f.Content
	}
	if len(envData) > 0 {
		objs = append(objs, configMap(meta(in.Component+"-env"), envData))
	}
	if len(fileData) > 0 {
		objs = append(objs, configMap(meta(in.Component+"-files"), fileData))
	}

	pod := in.podTemplate(envData, fileData)
	replicas := in.replicas()
	active := in.State != platformv1alpha1.BindingSuspended
	if in.Spec.Type == platformv1alpha1.ComponentScheduledTask {
		pod.Spec.RestartPolicy = corev1.RestartPolicyOnFailure
		objs = append(objs, &batchv1.CronJob{
			TypeMeta:   metav1.TypeMeta{APIVersion: "batch/v1", Kind: "CronJob"},
			ObjectMeta: meta(in.Component),
			Spec: batchv1.CronJobSpec{
				Schedule:                   in.Spec.Schedule,
				TimeZone:                   ptr.To("Etc/UTC"),
				ConcurrencyPolicy:          batchv1.ForbidConcurrent,
				Suspend:                    ptr.To(!active),
				SuccessfulJobsHistoryLimit: ptr.To[int32](3),
				FailedJobsHistoryLimit:     ptr.To[int32](3),
				JobTemplate: batchv1.JobTemplateSpec{
					ObjectMeta: metav1.ObjectMeta{Labels: in.labels()},
					Spec:       batchv1.JobSpec{BackoffLimit: ptr.To[int32](3), Template: pod},
				},
			},
		})
	} else {
		d := &appsv1.Deployment{
			TypeMeta:   metav1.TypeMeta{APIVersion: "apps/v1", Kind: "Deployment"},
			ObjectMeta: meta(in.Component),
			Spec: appsv1.DeploymentSpec{
				Selector: &metav1.LabelSelector{MatchLabels: in.selector()},
				Template: pod,
			},
		}
		switch {
		case !active:
			d.Spec.Replicas = ptr.To[int32](0)
		case in.Spec.Autoscaling == nil:
			// With autoscaling the HPA owns the replica count; setting it
			// here would fight it on every apply.
			d.Spec.Replicas = ptr.To(replicas)
		}
		objs = append(objs, d)
		if active && in.Spec.Autoscaling != nil {
			objs = append(objs, in.autoscaler(meta(in.Component)))
		}
		if active && replicas > 1 {
			objs = append(objs, &policyv1.PodDisruptionBudget{
				TypeMeta:   metav1.TypeMeta{APIVersion: "policy/v1", Kind: "PodDisruptionBudget"},
				ObjectMeta: meta(in.Component),
				Spec: policyv1.PodDisruptionBudgetSpec{
					MaxUnavailable: ptr.To(intstr.FromInt32(1)),
					Selector:       &metav1.LabelSelector{MatchLabels: in.selector()},
				},
			})
		}
	}

	if len(in.Spec.Endpoints) > 0 {
		objs = append(objs, in.service(meta(in.Component)))
	}
	if route := in.httpRoute(meta(in.Component)); route != nil {
		objs = append(objs, route)
	}
	if np := in.networkPolicy(meta(in.Component), deps); np != nil {
		objs = append(objs, np)
	}
	return convert(objs...)
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
		Resources: resources(in.Spec.Container.Resources),
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
	volumes := []corev1.Volume{{Name: "tmp", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}}}
	if len(fileData) > 0 {
		var items []corev1.KeyToPath
		for i, f := range in.Spec.Container.Files {
			items = append(items, corev1.KeyToPath{Key: fileKey(i), Path: fileKey(i)})
			c.VolumeMounts = append(c.VolumeMounts, corev1.VolumeMount{Name: "files", MountPath: f.MountPath, SubPath: fileKey(i), ReadOnly: true})
		}
		volumes = append(volumes, corev1.Volume{Name: "files", VolumeSource: corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{
			LocalObjectReference: corev1.LocalObjectReference{Name: in.Component + "-files"}, Items: items,
		}}})
	}
	return corev1.PodTemplateSpec{
		ObjectMeta: metav1.ObjectMeta{
			Labels:      in.labels(),
			Annotations: map[string]string{ConfigHashAnnotation: configHash(envData, fileData)},
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

// resources fills what the component leaves unset with the defaults; a
// default limit never falls below the request the component sets, nor a
// default request above the limit it sets (Kubernetes refuses a request
// above its limit).
func resources(r *platformv1alpha1.Resources) corev1.ResourceRequirements {
	pick := func(list *platformv1alpha1.ResourceList, cpu bool) *resource.Quantity {
		if list == nil {
			return nil
		}
		if cpu {
			return list.CPU
		}
		return list.Memory
	}
	var req, lim *platformv1alpha1.ResourceList
	if r != nil {
		req, lim = r.Requests, r.Limits
	}
	out := corev1.ResourceRequirements{Requests: corev1.ResourceList{}, Limits: corev1.ResourceList{}}
	for _, res := range []struct {
		name        corev1.ResourceName
		cpu         bool
		defReq, lim resource.Quantity
	}{
		{corev1.ResourceCPU, true, DefaultCPURequest, DefaultCPULimit},
		{corev1.ResourceMemory, false, DefaultMemoryRequest, DefaultMemoryLimit},
	} {
		request, limit := res.defReq, res.lim
		setReq, setLim := pick(req, res.cpu), pick(lim, res.cpu)
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
		out.Requests[res.name] = request
		out.Limits[res.name] = limit
	}
	return out
}

func (in Input) autoscaler(meta metav1.ObjectMeta) *autoscalingv2.HorizontalPodAutoscaler {
	a := in.Spec.Autoscaling
	return &autoscalingv2.HorizontalPodAutoscaler{
		TypeMeta:   metav1.TypeMeta{APIVersion: "autoscaling/v2", Kind: "HorizontalPodAutoscaler"},
		ObjectMeta: meta,
		Spec: autoscalingv2.HorizontalPodAutoscalerSpec{
			ScaleTargetRef: autoscalingv2.CrossVersionObjectReference{APIVersion: "apps/v1", Kind: "Deployment", Name: in.Component},
			MinReplicas:    ptr.To(max(a.MinReplicas, 1)),
			MaxReplicas:    a.MaxReplicas,
			Metrics: []autoscalingv2.MetricSpec{{
				Type: autoscalingv2.ResourceMetricSourceType,
				Resource: &autoscalingv2.ResourceMetricSource{
					Name:   corev1.ResourceCPU,
					Target: autoscalingv2.MetricTarget{Type: autoscalingv2.UtilizationMetricType, AverageUtilization: ptr.To(targetCPU(a))},
				},
			}},
		},
	}
}

func targetCPU(a *platformv1alpha1.Autoscaling) int32 {
	if a.TargetCPUUtilizationPercentage == 0 {
		return 80
	}
	return a.TargetCPUUtilizationPercentage
}

func appProtocol(p platformv1alpha1.EndpointProtocol) string {
	switch p {
	case platformv1alpha1.ProtocolGRPC:
		return "kubernetes.io/h2c"
	case platformv1alpha1.ProtocolTCP:
		return "tcp"
	default:
		return "http"
	}
}

func (in Input) service(meta metav1.ObjectMeta) *corev1.Service {
	svc := &corev1.Service{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Service"},
		ObjectMeta: meta,
		Spec:       corev1.ServiceSpec{Type: corev1.ServiceTypeClusterIP, Selector: in.selector()},
	}
	for _, e := range in.Spec.Endpoints {
		svc.Spec.Ports = append(svc.Spec.Ports, corev1.ServicePort{
			Name: e.Name, Port: e.Port, TargetPort: intstr.FromString(e.Name),
			Protocol: corev1.ProtocolTCP, AppProtocol: ptr.To(appProtocol(e.Protocol)),
		})
	}
	return svc
}

// httpRoute routes the component's Public endpoints from the plane's
// gateway: one rule per endpoint, matched by its path.
func (in Input) httpRoute(meta metav1.ObjectMeta) *gatewayv1.HTTPRoute {
	host := PublicHost(in.Plane, in.Organization, in.Project, in.Environment, in.Component)
	var rules []gatewayv1.HTTPRouteRule
	for _, e := range in.Spec.Endpoints {
		if e.Visibility != platformv1alpha1.VisibilityPublic {
			continue
		}
		path := e.Path
		if path == "" {
			path = "/"
		}
		rules = append(rules, gatewayv1.HTTPRouteRule{
			Matches: []gatewayv1.HTTPRouteMatch{{Path: &gatewayv1.HTTPPathMatch{
				Type: ptr.To(gatewayv1.PathMatchPathPrefix), Value: ptr.To(path),
			}}},
			BackendRefs: []gatewayv1.HTTPBackendRef{{BackendRef: gatewayv1.BackendRef{BackendObjectReference: gatewayv1.BackendObjectReference{
				Name: gatewayv1.ObjectName(in.Component), Port: ptr.To(e.Port),
			}}}},
		})
	}
	if len(rules) == 0 || host == "" {
		return nil
	}
	return &gatewayv1.HTTPRoute{
		TypeMeta:   metav1.TypeMeta{APIVersion: gatewayv1.GroupVersion.String(), Kind: "HTTPRoute"},
		ObjectMeta: meta,
		Spec: gatewayv1.HTTPRouteSpec{
			CommonRouteSpec: gatewayv1.CommonRouteSpec{ParentRefs: []gatewayv1.ParentReference{{
				Name:      gatewayv1.ObjectName(in.Plane.GatewayName),
				Namespace: ptr.To(gatewayv1.Namespace(in.Plane.GatewayNamespace)),
			}}},
			Hostnames: []gatewayv1.Hostname{gatewayv1.Hostname(host)},
			Rules:     rules,
		},
	}
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
