package stack

import (
	"fmt"
	"sort"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	platformv1alpha1 "github.com/aileron-dev/aileron/api/v1alpha1"
	"github.com/aileron-dev/aileron/internal/stack/sveltos"
)

// ProfileOf names the ClusterProfile a ClusterSummary reports on: from
// Sveltos' label, or else from its owner.
func ProfileOf(cs *sveltos.ClusterSummary) string {
	if p := cs.Labels[sveltos.LabelClusterProfile]; p != "" {
		return p
	}
	for _, o := range cs.OwnerReferences {
		if o.Kind == "ClusterProfile" {
			return o.Name
		}
	}
	return ""
}

// AddonsReady is a plane's AddonsReady condition: what Sveltos reports, in
// the ClusterSummaries of the plane, for each ClusterProfile that selects
// it (expected). A profile without a summary has not been picked up yet.
func AddonsReady(expected []string, summaries []sveltos.ClusterSummary) metav1.Condition {
	byProfile := map[string]*sveltos.ClusterSummary{}
	for i := range summaries {
		if p := ProfileOf(&summaries[i]); p != "" {
			byProfile[p] = &summaries[i]
		}
	}
	cond := metav1.Condition{Type: platformv1alpha1.ConditionAddonsReady}
	if len(expected) == 0 {
		cond.Status, cond.Reason, cond.Message = metav1.ConditionTrue, platformv1alpha1.ReasonAddonsProvisioned, "no add-on profile selects this plane"
		return cond
	}
	sorted := append([]string(nil), expected...)
	sort.Strings(sorted)
	var failed, waiting []string
	for _, p := range sorted {
		cs, ok := byProfile[p]
		if !ok {
			waiting = append(waiting, p+" (not reported yet)")
			continue
		}
		if len(cs.Status.FeatureSummaries) == 0 {
			waiting = append(waiting, p+" (no feature reported yet)")
			continue
		}
		for _, f := range cs.Status.FeatureSummaries {
			switch f.Status {
			case sveltos.FeatureStatusProvisioned:
			case sveltos.FeatureStatusFailed, sveltos.FeatureStatusFailedNonRetriable:
				msg := f.FailureMessage
				if msg == "" {
					msg = f.FailureReason
				}
				failed = append(failed, fmt.Sprintf("%s: %s %s: %s", p, f.FeatureID, strings.ToLower(f.Status), msg))
			default:
				status := f.Status
				if status == "" {
					status = "pending"
				}
				waiting = append(waiting, fmt.Sprintf("%s (%s %s)", p, f.FeatureID, strings.ToLower(status)))
			}
		}
	}
	switch {
	case len(failed) > 0:
		cond.Status, cond.Reason = metav1.ConditionFalse, platformv1alpha1.ReasonAddonsFailed
		cond.Message = "failed: " + strings.Join(failed, "; ")
		if len(waiting) > 0 {
			cond.Message += "; waiting for " + strings.Join(waiting, ", ")
		}
	case len(waiting) > 0:
		cond.Status, cond.Reason = metav1.ConditionFalse, platformv1alpha1.ReasonAddonsProvisioning
		cond.Message = fmt.Sprintf("waiting for %d of %d add-on profile(s): %s", len(waiting), len(sorted), strings.Join(waiting, ", "))
	default:
		cond.Status, cond.Reason = metav1.ConditionTrue, platformv1alpha1.ReasonAddonsProvisioned
		cond.Message = fmt.Sprintf("%d add-on profile(s) provisioned: %s", len(sorted), strings.Join(sorted, ", "))
	}
	return cond
}
