package gitops

import (
	"encoding/json"
	"fmt"
	"sort"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"

	platformv1alpha1 "github.com/aileron-dev/aileron/api/v1alpha1"
	"github.com/aileron-dev/aileron/internal/delivery/gitops/argocd"
	"github.com/aileron-dev/aileron/internal/gitrepo"
	"github.com/aileron-dev/aileron/internal/names"
	"github.com/aileron-dev/aileron/internal/render"
)

// Repository is where an organization's cells are committed.
type Repository struct {
	URL    string
	Branch string
	// Path prefixes every cell directory; empty for the repository's root.
	Path string
}

// Cell is one organization × project × environment.
type Cell struct {
	Organization, Project, Environment string
}

// Namespace is the cell's namespace on every plane, and the name of its
// ApplicationSet on the hub.
func (c Cell) Namespace() string {
	return render.CellNamespace(c.Organization, c.Project, c.Environment)
}

// ApplicationName names the Application that syncs cell c on plane: its
// ApplicationSet's name, "--" and the plane's. Plane names hold no "--",
// so the plane is what follows the last one, and two cells or two planes
// never share an Application name.
func ApplicationName(c Cell, plane string) string {
	return c.Namespace() + names.Separator + plane
}

// AppProjectName names an organization's AppProject: aileron--<organization>,
// which no organization's name can make equal to another AppProject's
// (such as the stacks' aileron-stacks).
func AppProjectName(organization string) string {
	return names.Join("aileron", organization)
}

// ClusterSecretName names a data plane's Argo CD cluster Secret.
func ClusterSecretName(plane string) string {
	return "aileron-plane-" + plane
}

// ClusterSecretNameFor names the Argo CD cluster Secret of a plane of any
// type; a data plane's keeps the name it always had.
func ClusterSecretNameFor(planeType, plane string) string {
	if planeType == platformv1alpha1.PlaneTypeData {
		return ClusterSecretName(plane)
	}
	return "aileron-" + planeType + "plane-" + plane
}

// clusterName is a plane's cluster name in Argo CD: plane names are unique
// per kind only, so build and observability planes carry their type,
// joined with "--", which no data plane's name holds.
func clusterName(planeType, plane string) string {
	if planeType == platformv1alpha1.PlaneTypeData {
		return plane
	}
	return names.Join(planeType, plane)
}

// RepositorySecretName names an organization's Argo CD repository Secret.
func RepositorySecretName(organization string) string {
	return "aileron-repo-" + organization
}

func managedLabels(extra map[string]string) map[string]string {
	l := map[string]string{platformv1alpha1.LabelManagedBy: platformv1alpha1.ManagedByValue}
	for k, v := range extra {
		l[k] = v
	}
	return l
}

// clusterConfig is the "config" of an Argo CD cluster Secret.
type clusterConfig struct {
	Username        string          `json:"username,omitempty"`
	Password        string          `json:"password,omitempty"`
	BearerToken     string          `json:"bearerToken,omitempty"`
	TLSClientConfig tlsClientConfig `json:"tlsClientConfig"`
}

type tlsClientConfig struct {
	Insecure   bool   `json:"insecure,omitempty"`
	ServerName string `json:"serverName,omitempty"`
	CAData     []byte `json:"caData,omitempty"`
	CertData   []byte `json:"certData,omitempty"`
	KeyData    []byte `json:"keyData,omitempty"`
}

// ClusterSecret is the Argo CD cluster Secret of a plane Argo CD delivers
// to (workloads of a GitOps-mode data plane, or a stack): its connection
// (from the plane's kubeconfig), its labels, which the ApplicationSets'
// cluster generators select on, and annotations their templates read.
// Credentials Argo CD cannot use (an exec plugin, a token file) are an
// error that says so.
func ClusterSecret(namespace string, dp platformv1alpha1.Plane, cfg *rest.Config, annotations map[string]string) (*corev1.Secret, error) {
	if cfg.ExecProvider != nil || cfg.AuthProvider != nil || cfg.BearerTokenFile != "" {
		return nil, &ConfigError{Message: fmt.Sprintf("the kubeconfig of plane %s authenticates with an exec plugin, an auth provider or a token file, which Argo CD cannot use: give it a client certificate or a bearer token", dp.GetName())}
	}
	conf := clusterConfig{
		Username: cfg.Username, Password: cfg.Password, BearerToken: cfg.BearerToken,
		TLSClientConfig: tlsClientConfig{
			Insecure: cfg.Insecure, ServerName: cfg.ServerName,
			CAData: cfg.CAData, CertData: cfg.CertData, KeyData: cfg.KeyData,
		},
	}
	if len(conf.TLSClientConfig.CAData) == 0 && cfg.CAFile != "" || len(conf.TLSClientConfig.CertData) == 0 && cfg.CertFile != "" {
		return nil, &ConfigError{Message: fmt.Sprintf("the kubeconfig of plane %s refers to certificate files, which Argo CD cannot read: embed them (certificate-authority-data, client-certificate-data)", dp.GetName())}
	}
	raw, err := json.Marshal(conf)
	if err != nil {
		return nil, err
	}
	labels := map[string]string{}
	for k, v := range dp.GetLabels() {
		labels[k] = v
	}
	for k, v := range managedLabels(map[string]string{
		argocd.LabelSecretType:          argocd.SecretTypeCluster,
		platformv1alpha1.LabelPlane:     dp.GetName(),
		platformv1alpha1.LabelPlaneType: dp.PlaneType(),
	}) {
		labels[k] = v
	}
	return &corev1.Secret{
		TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Secret"},
		ObjectMeta: metav1.ObjectMeta{Name: ClusterSecretNameFor(dp.PlaneType(), dp.GetName()), Namespace: namespace,
			Labels: labels, Annotations: annotations},
		Type: corev1.SecretTypeOpaque,
		Data: map[string][]byte{
			"name":   []byte(clusterName(dp.PlaneType(), dp.GetName())),
			"server": []byte(cfg.Host),
			"config": raw,
		},
	}, nil
}

// RepositorySecret registers an organization's repository, with its
// credentials, with Argo CD.
func RepositorySecret(namespace, organization string, repo Repository, creds gitrepo.Credentials) *corev1.Secret {
	data := map[string][]byte{"type": []byte("git"), "url": []byte(repo.URL), "project": []byte(AppProjectName(organization))}
	if creds.Password != "" {
		data["username"], data["password"] = []byte(creds.Username), []byte(creds.Password)
	}
	if len(creds.SSHPrivateKey) > 0 {
		data["sshPrivateKey"] = creds.SSHPrivateKey
	}
	return &corev1.Secret{
		TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Secret"},
		ObjectMeta: metav1.ObjectMeta{Name: RepositorySecretName(organization), Namespace: namespace, Labels: managedLabels(map[string]string{
			argocd.LabelSecretType:             argocd.SecretTypeRepository,
			platformv1alpha1.LabelOrganization: organization,
		})},
		Type: corev1.SecretTypeOpaque,
		Data: data,
	}
}

// Destination is a cell namespace on a plane's API server.
type Destination struct {
	Server, Namespace string
}

// AppProject fences an organization's Applications: its own repository,
// its own cell namespaces on the planes its environments use, and no
// cluster-scoped kind but Namespace.
func AppProject(namespace, organization string, repo Repository, dests []Destination) *argocd.AppProject {
	sorted := append([]Destination(nil), dests...)
	sort.Slice(sorted, func(i, j int) bool {
		if sorted[i].Server != sorted[j].Server {
			return sorted[i].Server < sorted[j].Server
		}
		return sorted[i].Namespace < sorted[j].Namespace
	})
	out := make([]argocd.ApplicationDestination, 0, len(sorted))
	for i, d := range sorted {
		if i > 0 && d == sorted[i-1] {
			continue
		}
		out = append(out, argocd.ApplicationDestination{Server: d.Server, Namespace: d.Namespace})
	}
	return &argocd.AppProject{
		TypeMeta: metav1.TypeMeta{APIVersion: argocd.GroupVersion.String(), Kind: "AppProject"},
		ObjectMeta: metav1.ObjectMeta{Name: AppProjectName(organization), Namespace: namespace,
			Labels: managedLabels(map[string]string{platformv1alpha1.LabelOrganization: organization})},
		Spec: argocd.AppProjectSpec{
			Description:              "Aileron organization " + organization + ": its repository, its cells, its planes.",
			SourceRepos:              []string{repo.URL},
			Destinations:             out,
			ClusterResourceWhitelist: []metav1.GroupKind{{Group: "", Kind: "Namespace"}},
		},
	}
}

// ApplicationSet renders a cell's ApplicationSet: a cluster generator over
// the cluster Secrets of the given planes, one Application per plane,
// reading that plane's directory of the cell. The project is the
// organization's, never templated. Sync is automated with prune and
// self-heal, server-side. The ApplicationSet controller may create and
// update Applications but never delete them, and deleting the
// ApplicationSet leaves them and what they run in place: Aileron deletes an
// Application itself when a cell leaves a plane, so a transient error
// listing clusters can never remove running workloads.
func ApplicationSet(namespace string, cell Cell, repo Repository, planes []string) *argocd.ApplicationSet {
	sorted := append([]string(nil), planes...)
	sort.Strings(sorted)
	labels := managedLabels(map[string]string{
		platformv1alpha1.LabelOrganization: cell.Organization,
		platformv1alpha1.LabelProject:      cell.Project,
		platformv1alpha1.LabelEnvironment:  cell.Environment,
		platformv1alpha1.LabelCell:         cell.Namespace(),
	})
	appLabels := managedLabels(map[string]string{
		platformv1alpha1.LabelOrganization: cell.Organization,
		platformv1alpha1.LabelProject:      cell.Project,
		platformv1alpha1.LabelEnvironment:  cell.Environment,
		platformv1alpha1.LabelCell:         cell.Namespace(),
		platformv1alpha1.LabelPlane:        "{{.name}}",
	})
	backoffFactor := int64(2)
	return &argocd.ApplicationSet{
		TypeMeta:   metav1.TypeMeta{APIVersion: argocd.GroupVersion.String(), Kind: "ApplicationSet"},
		ObjectMeta: metav1.ObjectMeta{Name: cell.Namespace(), Namespace: namespace, Labels: labels},
		Spec: argocd.ApplicationSetSpec{
			GoTemplate:        true,
			GoTemplateOptions: []string{"missingkey=error"},
			Generators: []argocd.ApplicationSetGenerator{{Clusters: &argocd.ClusterGenerator{Selector: metav1.LabelSelector{
				MatchLabels: map[string]string{platformv1alpha1.LabelManagedBy: platformv1alpha1.ManagedByValue},
				MatchExpressions: []metav1.LabelSelectorRequirement{{
					Key: platformv1alpha1.LabelPlane, Operator: metav1.LabelSelectorOpIn, Values: sorted,
				}},
			}}}},
			Template: argocd.ApplicationSetTemplate{
				ApplicationSetTemplateMeta: argocd.ApplicationSetTemplateMeta{
					Name:   ApplicationName(cell, "{{.name}}"),
					Labels: appLabels,
					// Argo CD's finalizer prunes the cell from the plane when
					// Aileron deletes the Application; Aileron's removes the
					// cell's file from Git once that is done.
					Finalizers: []string{argocd.ResourcesFinalizer, platformv1alpha1.Finalizer},
				},
				Spec: argocd.ApplicationSpec{
					Project: AppProjectName(cell.Organization),
					Source: &argocd.ApplicationSource{
						RepoURL:        repo.URL,
						TargetRevision: repo.Branch,
						Path:           CellBase(repo.Path, cell.Organization, cell.Project, cell.Environment) + "/{{.name}}",
						Directory:      &argocd.ApplicationSourceDirectory{Recurse: false},
					},
					Destination: argocd.ApplicationDestination{Server: "{{.server}}", Namespace: cell.Namespace()},
					SyncPolicy: &argocd.SyncPolicy{
						Automated:   &argocd.SyncPolicyAutomated{Prune: true, SelfHeal: true},
						SyncOptions: []string{"ServerSideApply=true"},
						Retry:       &argocd.RetryStrategy{Limit: -1, Backoff: &argocd.Backoff{Duration: "5s", Factor: &backoffFactor, MaxDuration: "3m"}},
					},
				},
			},
			SyncPolicy: &argocd.ApplicationSetSyncPolicy{PreserveResourcesOnDeletion: true, ApplicationsSync: "create-update"},
		},
	}
}
