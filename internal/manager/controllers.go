package manager

import (
	"context"

	ctrl "sigs.k8s.io/controller-runtime"

	"github.com/aileron-dev/aileron/internal/controller/component"
	"github.com/aileron-dev/aileron/internal/controller/deploymentpipeline"
	"github.com/aileron-dev/aileron/internal/controller/environment"
	"github.com/aileron-dev/aileron/internal/controller/index"
	"github.com/aileron-dev/aileron/internal/controller/organization"
	"github.com/aileron-dev/aileron/internal/controller/plane"
	"github.com/aileron-dev/aileron/internal/controller/project"
	"github.com/aileron-dev/aileron/internal/controller/promotion"
	"github.com/aileron-dev/aileron/internal/controller/releasebinding"
	"github.com/aileron-dev/aileron/internal/planes"
)

// setupControllers registers the field indexes and every controller, all
// sharing one plane registry.
func setupControllers(mgr ctrl.Manager, o Options) error {
	if err := index.Register(context.Background(), mgr); err != nil {
		return err
	}
	registry := planes.NewRegistry(mgr.GetScheme())
	c, n := mgr.GetClient(), o.MaxConcurrentReconciles
	if err := plane.SetupWithManager(mgr, registry, plane.Options{
		Namespace: o.Namespace, ProbeInterval: o.PlaneProbeInterval, StatusRefresh: o.PlaneStatusRefresh, MaxConcurrentReconciles: n,
	}); err != nil {
		return err
	}
	for _, s := range []interface{ SetupWithManager(ctrl.Manager) error }{
		&organization.Reconciler{Client: c, MaxConcurrentReconciles: n},
		&environment.Reconciler{Client: c, MaxConcurrentReconciles: n},
		&deploymentpipeline.Reconciler{Client: c, MaxConcurrentReconciles: n},
		&project.Reconciler{Client: c, MaxConcurrentReconciles: n},
		&component.Reconciler{Client: c, MaxConcurrentReconciles: n},
		&releasebinding.Reconciler{Client: c, Registry: registry, ResyncPeriod: o.ResyncPeriod, MaxConcurrentReconciles: n},
		&promotion.Reconciler{Client: c, APIReader: mgr.GetAPIReader(), MaxConcurrentReconciles: n},
	} {
		if err := s.SetupWithManager(mgr); err != nil {
			return err
		}
	}
	return nil
}
