package resolve

import (
	"fmt"
	"sort"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"

	platformv1alpha1 "github.com/aileron-dev/aileron/api/v1alpha1"
)

// Planes resolves an environment's planes among planes: the one it
// references, or those its selector matches, never one being deleted or not
// granted to the environment's organization. It returns their sorted names,
// or a message saying why there are none.
func Planes(env *platformv1alpha1.Environment, planes []platformv1alpha1.DataPlane) ([]string, string) {
	var names []string
	if ref := env.Spec.DataPlaneRef; ref != nil {
		for _, dp := range planes {
			if dp.Name != ref.Name {
				continue
			}
			if !dp.DeletionTimestamp.IsZero() {
				return nil, fmt.Sprintf("DataPlane %s is being deleted: change spec.dataPlaneRef", ref.Name)
			}
			if !dp.Grants(env.Namespace) {
				return nil, fmt.Sprintf("DataPlane %s is not granted to organization %s (its spec.organizations): ask the platform team, or change spec.dataPlaneRef", ref.Name, env.Namespace)
			}
			return []string{dp.Name}, ""
		}
		return nil, fmt.Sprintf("DataPlane %s does not exist: register it, or change spec.dataPlaneRef", ref.Name)
	}
	selector, err := metav1.LabelSelectorAsSelector(env.Spec.DataPlaneSelector)
	if err != nil {
		return nil, fmt.Sprintf("spec.dataPlaneSelector is not a valid label selector: %v", err)
	}
	for _, dp := range planes {
		if dp.DeletionTimestamp.IsZero() && selector.Matches(labels.Set(dp.Labels)) && dp.Grants(env.Namespace) {
			names = append(names, dp.Name)
		}
	}
	if len(names) == 0 {
		return nil, fmt.Sprintf("no DataPlane granted to organization %s matches spec.dataPlaneSelector (%s): label a plane to match, or change the selector", env.Namespace, selector)
	}
	sort.Strings(names)
	return names, ""
}
