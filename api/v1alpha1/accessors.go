package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

// Plane is implemented by the three plane kinds, so that connecting to and
// probing a cluster is written once for all of them.
// +kubebuilder:object:generate=false
type Plane interface {
	metav1.Object
	runtime.Object
	// PlaneType is one of PlaneTypeData, PlaneTypeBuild, PlaneTypeObservability.
	PlaneType() string
	// Connection is how the hub reaches the plane.
	Connection() PlaneConnection
	// PlaneStatus is the plane's status, for reading and writing.
	PlaneStatus() *PlaneStatus
}

func (p *DataPlane) PlaneType() string                    { return PlaneTypeData }
func (p *DataPlane) Connection() PlaneConnection          { return p.Spec.PlaneConnection }
func (p *DataPlane) PlaneStatus() *PlaneStatus            { return &p.Status.PlaneStatus }
func (p *BuildPlane) PlaneType() string                   { return PlaneTypeBuild }
func (p *BuildPlane) Connection() PlaneConnection         { return p.Spec.PlaneConnection }
func (p *BuildPlane) PlaneStatus() *PlaneStatus           { return &p.Status.PlaneStatus }
func (p *ObservabilityPlane) PlaneType() string           { return PlaneTypeObservability }
func (p *ObservabilityPlane) Connection() PlaneConnection { return p.Spec.PlaneConnection }
func (p *ObservabilityPlane) PlaneStatus() *PlaneStatus   { return &p.Status.PlaneStatus }

// KeyOrDefault is the Secret key the kubeconfig is read from.
func (r KubeconfigSecretReference) KeyOrDefault() string {
	if r.Key == "" {
		return DefaultKubeconfigKey
	}
	return r.Key
}

// GetConditions returns the conditions of each kind, for shared condition
// helpers.
func (o *Organization) GetConditions() *[]metav1.Condition       { return &o.Status.Conditions }
func (p *DataPlane) GetConditions() *[]metav1.Condition          { return &p.Status.Conditions }
func (p *BuildPlane) GetConditions() *[]metav1.Condition         { return &p.Status.Conditions }
func (p *ObservabilityPlane) GetConditions() *[]metav1.Condition { return &p.Status.Conditions }
func (e *Environment) GetConditions() *[]metav1.Condition        { return &e.Status.Conditions }
func (d *DeploymentPipeline) GetConditions() *[]metav1.Condition { return &d.Status.Conditions }
func (p *Project) GetConditions() *[]metav1.Condition            { return &p.Status.Conditions }
func (c *Component) GetConditions() *[]metav1.Condition          { return &c.Status.Conditions }
func (r *Release) GetConditions() *[]metav1.Condition            { return &r.Status.Conditions }
func (b *ReleaseBinding) GetConditions() *[]metav1.Condition     { return &b.Status.Conditions }
func (p *Promotion) GetConditions() *[]metav1.Condition          { return &p.Status.Conditions }
func (r *BuildRun) GetConditions() *[]metav1.Condition           { return &r.Status.Conditions }

// SetObservedGeneration records the generation a reconcile succeeded for.
func (o *Organization) SetObservedGeneration(g int64)       { o.Status.ObservedGeneration = g }
func (p *DataPlane) SetObservedGeneration(g int64)          { p.Status.ObservedGeneration = g }
func (p *BuildPlane) SetObservedGeneration(g int64)         { p.Status.ObservedGeneration = g }
func (p *ObservabilityPlane) SetObservedGeneration(g int64) { p.Status.ObservedGeneration = g }
func (e *Environment) SetObservedGeneration(g int64)        { e.Status.ObservedGeneration = g }
func (d *DeploymentPipeline) SetObservedGeneration(g int64) { d.Status.ObservedGeneration = g }
func (p *Project) SetObservedGeneration(g int64)            { p.Status.ObservedGeneration = g }
func (c *Component) SetObservedGeneration(g int64)          { c.Status.ObservedGeneration = g }
func (r *Release) SetObservedGeneration(g int64)            { r.Status.ObservedGeneration = g }
func (b *ReleaseBinding) SetObservedGeneration(g int64)     { b.Status.ObservedGeneration = g }
func (p *Promotion) SetObservedGeneration(g int64)          { p.Status.ObservedGeneration = g }

func (s *PlaneStack) GetConditions() *[]metav1.Condition { return &s.Status.Conditions }
func (s *PlaneStack) SetObservedGeneration(g int64)      { s.Status.ObservedGeneration = g }
func (r *BuildRun) SetObservedGeneration(g int64)        { r.Status.ObservedGeneration = g }

func (t *ComponentType) GetConditions() *[]metav1.Condition { return &t.Status.Conditions }
func (t *ComponentType) SetObservedGeneration(g int64)      { t.Status.ObservedGeneration = g }
func (t *Trait) GetConditions() *[]metav1.Condition         { return &t.Status.Conditions }
func (t *Trait) SetObservedGeneration(g int64)              { t.Status.ObservedGeneration = g }

func (r *SecretReference) GetConditions() *[]metav1.Condition { return &r.Status.Conditions }
func (r *SecretReference) SetObservedGeneration(g int64)      { r.Status.ObservedGeneration = g }
