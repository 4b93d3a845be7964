package stack

import (
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	platformv1alpha1 "github.com/aileron-dev/aileron/api/v1alpha1"
	"github.com/aileron-dev/aileron/internal/delivery/gitops/argocd"
	"github.com/aileron-dev/aileron/internal/names"
	"github.com/aileron-dev/aileron/internal/stack/sveltos"
)

// ManifestsKey is the ConfigMap key a manifests item is stored under.
const ManifestsKey = "manifests.yaml"

// AppProjectName is the Argo CD project of every stack Application. Only
// Aileron's stack ApplicationSets name it; tenants' Applications live in
// their own organizations' projects, which never reach outside their cells.
const AppProjectName = "aileron-stacks"

// ProfileName names the ClusterProfile (and, for manifests, the
// ConfigMap) of a stack's item.
func ProfileName(stack, item string) string { return names.Join(stack, item) }

// ApplicationSetName names the ApplicationSet of one of a stack's groups.
//
// It has four parts, so it never equals a cell's ApplicationSet
// (<organization>--<project>--<environment>, three), whatever the names.
func ApplicationSetName(stack, group string) string {
	return names.Join("aileron", "stack", stack, group)
}

// sveltosValue is how a Sveltos Helm values template reads one of the
// cluster's annotations: Sveltos instantiates values with the cluster
// object as .Cluster.
func sveltosValue(annotation string) string {
	return `{{ index .Cluster.metadata.annotations "` + annotation + `" }}`
}

// argoValue is how an ApplicationSet's Go template reads one of the
// cluster Secret's annotations.
func argoValue(annotation string) string {
	return `{{ index .metadata.annotations "` + annotation + `" }}`
}

// ClusterProfiles renders the items Sveltos delivers (see Split): a
// ClusterProfile each, selecting the stack's planes, depending on the
// ClusterProfiles of the items it depends on; and for a manifests item the
// ConfigMap, in namespace, that its ClusterProfile references.
func ClusterProfiles(namespace string, s *platformv1alpha1.PlaneStack) ([]*sveltos.ClusterProfile, []*corev1.ConfigMap) {
	_, items := Split(s)
	viaSveltos := map[string]bool{}
	for _, it := range items {
		viaSveltos[it.Name] = true
	}
	var profiles []*sveltos.ClusterProfile
	var configMaps []*corev1.ConfigMap
	for _, it := range items {
		name := ProfileName(s.Name, it.Name)
		spec := sveltos.ProfileSpec{
			ClusterSelector: Selector(s),
			SyncMode:        string(s.Spec.SyncMode),
		}
		if it.Tier != nil {
			spec.Tier = *it.Tier
		}
		for _, d := range it.DependsOn {
			// What an Argo CD agent delivers is not a ClusterProfile to
			// wait for; the agents come up on their own.
			if viaSveltos[d] {
				spec.DependsOn = append(spec.DependsOn, ProfileName(s.Name, d))
			}
		}
		if h := it.Helm; h != nil {
			spec.HelmCharts = []sveltos.HelmChart{{
				RepositoryURL:    h.RepositoryURL,
				RepositoryName:   it.Name,
				ChartName:        it.Name + "/" + h.Chart,
				ChartVersion:     h.Version,
				ReleaseName:      it.Name,
				ReleaseNamespace: it.Namespace,
				HelmChartAction:  sveltos.HelmChartActionInstall,
				Values:           values(h.Values, sveltosValue),
			}}
			if isOCI(h.RepositoryURL) {
				// An OCI chart is named by its URL alone.
				spec.HelmCharts[0].ChartName = h.Chart
			}
		} else {
			configMaps = append(configMaps, &corev1.ConfigMap{
				TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "ConfigMap"},
				ObjectMeta: metav1.ObjectMeta{Namespace: namespace, Name: name, Labels: ObjectLabels(s)},
				Data:       map[string]string{ManifestsKey: it.Manifests},
			})
			spec.PolicyRefs = []sveltos.PolicyRef{{
				Kind: "ConfigMap", Namespace: namespace, Name: name, DeploymentType: sveltos.DeploymentTypeRemote,
			}}
		}
		profiles = append(profiles, &sveltos.ClusterProfile{
			TypeMeta:   metav1.TypeMeta{APIVersion: sveltos.ConfigGroupVersion.String(), Kind: "ClusterProfile"},
			ObjectMeta: metav1.ObjectMeta{Name: name, Labels: ObjectLabels(s)},
			Spec:       spec,
		})
	}
	return profiles, configMaps
}

func isOCI(url string) bool { return len(url) > 6 && url[:6] == "oci://" }

// ApplicationSets renders the groups Argo CD delivers (see Split): one
// ApplicationSet each, whose cluster generator selects the stack's planes'
// cluster Secrets, and whose Application bundles the group's charts as
// sources. Applications per plane = groups, whatever the number of items.
// A plane that stops matching loses its Applications, and Argo CD removes
// what they installed.
func ApplicationSets(argoNamespace string, s *platformv1alpha1.PlaneStack) []*argocd.ApplicationSet {
	groups, _ := Split(s)
	out := make([]*argocd.ApplicationSet, 0, len(groups))
	for _, g := range groups {
		name := ApplicationSetName(s.Name, g.Name)
		sources := make([]argocd.ApplicationSource, 0, len(g.Items))
		for _, it := range g.Items {
			h := it.Helm
			repo := h.RepositoryURL
			if isOCI(repo) {
				// Argo CD names OCI Helm repositories without the scheme.
				repo = repo[len("oci://"):]
			}
			sources = append(sources, argocd.ApplicationSource{
				RepoURL: repo, Chart: h.Chart, TargetRevision: h.Version,
				Helm: &argocd.ApplicationSourceHelm{ReleaseName: it.Name, Namespace: it.Namespace, Values: values(h.Values, argoValue)},
			})
		}
		selector := Selector(s)
		out = append(out, &argocd.ApplicationSet{
			TypeMeta:   metav1.TypeMeta{APIVersion: argocd.GroupVersion.String(), Kind: "ApplicationSet"},
			ObjectMeta: metav1.ObjectMeta{Namespace: argoNamespace, Name: name, Labels: ObjectLabels(s)},
			Spec: argocd.ApplicationSetSpec{
				GoTemplate:        true,
				GoTemplateOptions: []string{"missingkey=error"},
				Generators:        []argocd.ApplicationSetGenerator{{Clusters: &argocd.ClusterGenerator{Selector: selector}}},
				Template: argocd.ApplicationSetTemplate{
					ApplicationSetTemplateMeta: argocd.ApplicationSetTemplateMeta{
						Name:       name + names.Separator + "{{ .name }}",
						Labels:     ObjectLabels(s),
						Finalizers: []string{argocd.ResourcesFinalizer},
					},
					Spec: argocd.ApplicationSpec{
						Project: AppProjectName,
						Sources: sources,
						// By name: a plane's name is unique where its server need not
						// be (Argo CD refuses a destination server that several
						// registered clusters share).
						Destination: argocd.ApplicationDestination{Name: "{{ .name }}", Namespace: g.Items[0].Namespace},
						SyncPolicy:  syncPolicy(s.Spec.SyncMode),
					},
				},
			},
		})
	}
	return out
}

// syncPolicy maps Sveltos' sync modes onto Argo CD's: drift detection is
// self-heal; DryRun syncs only by hand (Argo CD shows the diff).
func syncPolicy(mode platformv1alpha1.StackSyncMode) *argocd.SyncPolicy {
	p := &argocd.SyncPolicy{SyncOptions: []string{"CreateNamespace=true", "ServerSideApply=true"}}
	switch mode {
	case platformv1alpha1.SyncModeDryRun:
	case platformv1alpha1.SyncModeContinuousWithDriftDetection, "":
		p.Automated = &argocd.SyncPolicyAutomated{Prune: true, SelfHeal: true}
	default:
		p.Automated = &argocd.SyncPolicyAutomated{Prune: true}
	}
	return p
}

// AppProject is the project of the stacks' Applications: infrastructure
// installs CRDs, webhooks and cluster roles, so it may deploy anything to
// any registered plane, from any chart repository.
func AppProject(argoNamespace string) *argocd.AppProject {
	return &argocd.AppProject{
		TypeMeta: metav1.TypeMeta{APIVersion: argocd.GroupVersion.String(), Kind: "AppProject"},
		ObjectMeta: metav1.ObjectMeta{Namespace: argoNamespace, Name: AppProjectName,
			Labels: map[string]string{platformv1alpha1.LabelManagedBy: platformv1alpha1.ManagedByValue}},
		Spec: argocd.AppProjectSpec{
			Description:              "Aileron's plane infrastructure stacks",
			SourceRepos:              []string{"*"},
			Destinations:             []argocd.ApplicationDestination{{Server: "*", Namespace: "*"}},
			ClusterResourceWhitelist: []metav1.GroupKind{{Group: "*", Kind: "*"}},
		},
	}
}
