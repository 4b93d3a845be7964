package render

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	platformv1alpha1 "github.com/aileron-dev/aileron/api/v1alpha1"
)

// Names of the objects an organization's resources put in each cell.
const (
	CellQuotaName  = "aileron-quota"
	CellLimitsName = "aileron-limits"
)

// Check tells whether in can render, without rendering it: its overrides
// name what the release has and the type allows, the result passes the
// checks a release passes (checkOverridden), every SecretReference key it
// reads exists, and its container stays within what its organization lets
// one container use. A binding checks it
// before any plane is asked, so that bad input stalls the binding and
// changes nothing that runs.
func Check(in Input) error {
	out, err := Overridden(in)
	if err != nil {
		return err
	}
	if in.Overrides != nil {
		if err := checkOverridden(out); err != nil {
			return err
		}
	}
	if err := out.checkSecrets(out.Spec); err != nil {
		return err
	}
	return withinContainerLimits(out.Spec.Container.Resources, in.Resources, in.Organization)
}

// defaultsOf is what a container of an organization with res gets for the
// requests and limits it leaves unset: the organization's defaults (else
// Aileron's), completed as a component's own resources are, and held within
// the organization's container limits, so that the cell's LimitRange and
// every default agree.
func defaultsOf(res *platformv1alpha1.OrganizationResources) corev1.ResourceRequirements {
	var own *platformv1alpha1.Resources
	if res != nil {
		own = res.Defaults
	}
	out := fill(own, aileronDefaults)
	if res == nil || res.ContainerLimits == nil {
		return out
	}
	for _, name := range []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory} {
		request, limit := out.Requests[name], out.Limits[name]
		if most := quantityOf(res.ContainerLimits.Max, name); most != nil && limit.Cmp(*most) > 0 {
			limit = *most
		}
		if request.Cmp(limit) > 0 {
			request = limit
		}
		if least := quantityOf(res.ContainerLimits.Min, name); least != nil && request.Cmp(*least) < 0 {
			request = *least
		}
		if request.Cmp(limit) > 0 {
			limit = request
		}
		out.Requests[name], out.Limits[name] = request, limit
	}
	return out
}

// aileronDefaults are Aileron's own defaults.
var aileronDefaults = corev1.ResourceRequirements{
	Requests: corev1.ResourceList{corev1.ResourceCPU: DefaultCPURequest, corev1.ResourceMemory: DefaultMemoryRequest},
	Limits:   corev1.ResourceList{corev1.ResourceCPU: DefaultCPULimit, corev1.ResourceMemory: DefaultMemoryLimit},
}

func quantityOf(list *platformv1alpha1.ResourceList, name corev1.ResourceName) *resource.Quantity {
	switch {
	case list == nil:
		return nil
	case name == corev1.ResourceCPU:
		return list.CPU
	default:
		return list.Memory
	}
}

// withinContainerLimits refuses a container whose requests (its own or the
// defaults) fall below, or whose limits rise above, what its organization
// lets one container have: the plane's LimitRange would refuse its pods,
// and the binding could only wait.
func withinContainerLimits(own *platformv1alpha1.Resources, res *platformv1alpha1.OrganizationResources, organization string) error {
	if res == nil || res.ContainerLimits == nil {
		return nil
	}
	got := fill(own, defaultsOf(res))
	for _, name := range []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory} {
		if least := quantityOf(res.ContainerLimits.Min, name); least != nil {
			if request := got.Requests[name]; request.Cmp(*least) < 0 {
				return fmt.Errorf("spec.container.resources.requests.%s: %s is below the least organization %s lets a container request (%s): request more",
					name, request.String(), organization, least.String())
			}
		}
		if most := quantityOf(res.ContainerLimits.Max, name); most != nil {
			if limit := got.Limits[name]; limit.Cmp(*most) > 0 {
				return fmt.Errorf("spec.container.resources.limits.%s: %s is above the most organization %s lets a container use (%s): ask for less, or ask the platform team to raise spec.resources.containerLimits.max of the Organization",
					name, limit.String(), organization, most.String())
			}
		}
	}
	return nil
}

// CellBounds are the objects an organization's resources may put in the
// cell of namespace: delivery removes those a render of the cell no longer
// holds.
func CellBounds(namespace string) []platformv1alpha1.InventoryEntry {
	return []platformv1alpha1.InventoryEntry{
		{APIVersion: "v1", Kind: "LimitRange", Namespace: namespace, Name: CellLimitsName},
		{APIVersion: "v1", Kind: "ResourceQuota", Namespace: namespace, Name: CellQuotaName},
	}
}

// toList is a ResourceList of what list sets, under the names prefix+cpu
// and prefix+memory.
func toList(list *platformv1alpha1.ResourceList, prefix string) corev1.ResourceList {
	out := corev1.ResourceList{}
	if list == nil {
		return out
	}
	if list.CPU != nil {
		out[corev1.ResourceName(prefix+"cpu")] = list.CPU.DeepCopy()
	}
	if list.Memory != nil {
		out[corev1.ResourceName(prefix+"memory")] = list.Memory.DeepCopy()
	}
	return out
}

// cellLimitRange and cellQuota are the cell's bounds for res, or nil when
// res sets none. The LimitRange carries the defaults too, for containers a
// Trait adds without resources (a quota on limits refuses such a pod).
func cellLimitRange(namespace string, labels map[string]string, res *platformv1alpha1.OrganizationResources) *corev1.LimitRange {
	if res == nil || (res.Defaults == nil && res.CellQuota == nil && res.ContainerLimits == nil) {
		return nil
	}
	d := defaultsOf(res)
	item := corev1.LimitRangeItem{Type: corev1.LimitTypeContainer, Default: d.Limits, DefaultRequest: d.Requests}
	if cl := res.ContainerLimits; cl != nil {
		if minimum := toList(cl.Min, ""); len(minimum) > 0 {
			item.Min = minimum
		}
		if maximum := toList(cl.Max, ""); len(maximum) > 0 {
			item.Max = maximum
		}
	}
	return &corev1.LimitRange{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "LimitRange"},
		ObjectMeta: metav1.ObjectMeta{Name: CellLimitsName, Namespace: namespace, Labels: labels},
		Spec:       corev1.LimitRangeSpec{Limits: []corev1.LimitRangeItem{item}},
	}
}

func cellQuota(namespace string, labels map[string]string, res *platformv1alpha1.OrganizationResources) *corev1.ResourceQuota {
	if res == nil || res.CellQuota == nil {
		return nil
	}
	q := res.CellQuota
	hard := toList(q.Requests, "requests.")
	for k, v := range toList(q.Limits, "limits.") {
		hard[k] = v
	}
	if q.Pods != nil {
		hard[corev1.ResourcePods] = *resource.NewQuantity(int64(*q.Pods), resource.DecimalSI)
	}
	return &corev1.ResourceQuota{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "ResourceQuota"},
		ObjectMeta: metav1.ObjectMeta{Name: CellQuotaName, Namespace: namespace, Labels: labels},
		Spec:       corev1.ResourceQuotaSpec{Hard: hard},
	}
}
