package manager

import (
	"context"
	"fmt"
	"os"

	ctrl "sigs.k8s.io/controller-runtime"
	ctrlmanager "sigs.k8s.io/controller-runtime/pkg/manager"

	platformv1alpha1 "github.com/aileron-dev/aileron/api/v1alpha1"

	"github.com/aileron-dev/aileron/internal/controller/buildrun"
	"github.com/aileron-dev/aileron/internal/controller/buildsource"
	"github.com/aileron-dev/aileron/internal/controller/component"
	"github.com/aileron-dev/aileron/internal/controller/componenttype"
	"github.com/aileron-dev/aileron/internal/controller/deploymentpipeline"
	"github.com/aileron-dev/aileron/internal/controller/environment"
	gitopscontroller "github.com/aileron-dev/aileron/internal/controller/gitops"
	"github.com/aileron-dev/aileron/internal/controller/index"
	"github.com/aileron-dev/aileron/internal/controller/organization"
	"github.com/aileron-dev/aileron/internal/controller/plane"
	"github.com/aileron-dev/aileron/internal/controller/project"
	"github.com/aileron-dev/aileron/internal/controller/promotion"
	"github.com/aileron-dev/aileron/internal/controller/releasebinding"
	"github.com/aileron-dev/aileron/internal/controller/secretreference"
	stackcontroller "github.com/aileron-dev/aileron/internal/controller/stack"
	"github.com/aileron-dev/aileron/internal/delivery/gitops"
	"github.com/aileron-dev/aileron/internal/planes"
	"github.com/aileron-dev/aileron/internal/stack"
)

// setupControllers registers the field indexes and every controller, all
// sharing one plane registry.
//
// GitOps delivery is wired only when Argo CD is installed on the hub; a
// plane in GitOps mode otherwise reports that it waits for Argo CD. Stacks
// render ClusterProfiles only when Sveltos is installed, ApplicationSets
// only when Argo CD is.
func setupControllers(mgr ctrl.Manager, o Options, argoCD, svelt bool) error {
	if err := index.Register(context.Background(), mgr); err != nil {
		return err
	}
	registry := planes.NewRegistry(mgr.GetScheme())
	// The planes' watches end with the manager.
	if err := mgr.Add(ctrlmanager.RunnableFunc(func(ctx context.Context) error {
		<-ctx.Done()
		registry.Close()
		return nil
	})); err != nil {
		return err
	}
	c, n := mgr.GetClient(), o.MaxConcurrentReconciles
	var service *gitops.Service
	var clusters *planes.ArgoCDClusters
	if argoCD {
		settings := gitops.Settings{OperatorNamespace: o.Namespace, ArgoCDNamespace: o.ArgoCDNamespace}
		if o.GitOpsRepository.URL != "" {
			def := o.GitOpsRepository
			if o.GitOpsCredentialsSecret != "" {
				def.SecretRef = &platformv1alpha1.LocalObjectReference{Name: o.GitOpsCredentialsSecret}
			}
			settings.Default = &def
		}
		cache, err := os.MkdirTemp(o.GitOpsCacheDir, "aileron-gitops-")
		if err != nil {
			return fmt.Errorf("a directory for GitOps repositories: %w", err)
		}
		if err := mgr.Add(ctrlmanager.RunnableFunc(func(ctx context.Context) error {
			<-ctx.Done()
			return os.RemoveAll(cache)
		})); err != nil {
			return err
		}
		settings.CacheDir = cache
		service = gitops.NewService(settings)
		clusters = planes.NewArgoCDClusters(c, o.ArgoCDNamespace, o.ResyncPeriod)
		if err := (&gitopscontroller.Reconciler{Client: c, Registry: registry, GitOps: service, ResyncPeriod: o.ResyncPeriod, MaxConcurrentReconciles: n}).SetupWithManager(mgr); err != nil {
			return err
		}
	} else {
		mgr.GetLogger().Info("Argo CD is not installed on the hub: GitOps delivery is off until it is and the manager restarts")
	}
	stacks := &stackcontroller.Reconciler{Client: c, Namespace: o.Namespace, Sveltos: svelt, MaxConcurrentReconciles: n}
	if argoCD {
		stacks.ArgoCDNamespace = o.ArgoCDNamespace
	}
	var sveltosClusters *planes.SveltosClusters
	if svelt {
		sveltosClusters = &planes.SveltosClusters{Client: c, Namespace: o.Namespace}
		if err := index.RegisterSveltos(context.Background(), mgr); err != nil {
			return err
		}
	} else {
		mgr.GetLogger().Info("Sveltos is not installed on the hub: stacks are delivered by Argo CD only until it is and the manager restarts")
	}
	if err := plane.SetupWithManager(mgr, registry, plane.Options{
		Namespace: o.Namespace, ProbeInterval: o.PlaneProbeInterval, MaxConcurrentReconciles: n,
		ArgoCD: clusters, Sveltos: sveltosClusters,
	}); err != nil {
		return err
	}
	if o.DefaultStacks && svelt {
		if err := mgr.Add(ctrlmanager.RunnableFunc(func(ctx context.Context) error {
			return stack.CreateDefaults(ctx, c)
		})); err != nil {
			return err
		}
	}
	if o.DefaultComponentTypes {
		if err := mgr.Add(ctrlmanager.RunnableFunc(func(ctx context.Context) error {
			return componenttype.CreateDefaults(ctx, c)
		})); err != nil {
			return err
		}
	}
	for _, s := range []interface{ SetupWithManager(ctrl.Manager) error }{
		componenttype.NewTypeReconciler(c, n),
		componenttype.NewTraitReconciler(c, n),
		&organization.Reconciler{Client: c, MaxConcurrentReconciles: n},
		&environment.Reconciler{Client: c, MaxConcurrentReconciles: n},
		&deploymentpipeline.Reconciler{Client: c, MaxConcurrentReconciles: n},
		&project.Reconciler{Client: c, MaxConcurrentReconciles: n},
		&component.Reconciler{Client: c, APIReader: mgr.GetAPIReader(), MaxConcurrentReconciles: n},
		&releasebinding.Reconciler{Client: c, Registry: registry, GitOps: service, ResyncPeriod: o.ResyncPeriod, MaxConcurrentReconciles: n,
			WatchTransform: o.PlaneWatchTransform},
		&releasebinding.MoveRecorder{Client: c, MaxConcurrentReconciles: n},
		&secretreference.Reconciler{Client: c, MaxConcurrentReconciles: n},
		&promotion.Reconciler{Client: c, APIReader: mgr.GetAPIReader(), MaxConcurrentReconciles: n},
		stacks,
		&buildsource.Reconciler{Client: c, APIReader: mgr.GetAPIReader(), PollInterval: o.SourcePollInterval, Schemes: o.BuildSourceSchemes, MaxConcurrentReconciles: n},
		&buildrun.Reconciler{Client: c, Registry: registry, MaxConcurrentReconciles: n},
	} {
		if err := s.SetupWithManager(mgr); err != nil {
			return err
		}
	}
	return nil
}
