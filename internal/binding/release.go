package binding

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	platformv1alpha1 "github.com/aileron-dev/aileron/api/v1alpha1"
	"github.com/aileron-dev/aileron/internal/resolve"
)

// releaseHashLength is how many hex digits of the content hash name a
// Release: 40 bits, so that a component would need about a million
// releases before two are likely to collide.
const releaseHashLength = 10

// NewRelease is the Release of a Component's current spec with image: its
// name is <component>-<hash of spec and image>, so the same content always
// makes the same Release. autoDeploy is not content: it says how releases
// move, not what they are. Nor is a build source: the release of a
// component built from source records the image it built, as if the
// component had named it, so that a new revision, plane or history limit
// that builds the same image makes no new release. The type's and traits'
// specs pinned are content: editing a type makes a new release of each of
// its components, which reaches an environment by the same rules as any
// other.
func NewRelease(c *platformv1alpha1.Component, image string, pinned resolve.Pinned) (*platformv1alpha1.Release, error) {
	spec := *c.Spec.DeepCopy()
	spec.AutoDeploy = false
	if spec.Build != nil {
		spec.Build, spec.Image = nil, image
	}
	content, err := json.Marshal(struct {
		Image  string                              `json:"image"`
		Spec   platformv1alpha1.ComponentSpec      `json:"spec"`
		Type   *platformv1alpha1.ComponentTypeSpec `json:"type,omitempty"`
		Traits []platformv1alpha1.TraitSnapshot    `json:"traits,omitempty"`
	}{image, spec, pinned.Type, pinned.Traits})
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(content)
	name := c.Name + "-" + hex.EncodeToString(sum[:])[:releaseHashLength]
	return &platformv1alpha1.Release{
		ObjectMeta: metav1.ObjectMeta{
			Name:      name,
			Namespace: c.Namespace,
			Labels: map[string]string{
				platformv1alpha1.LabelOrganization: c.Namespace,
				platformv1alpha1.LabelProject:      c.Spec.ProjectRef.Name,
				platformv1alpha1.LabelComponent:    c.Name,
				platformv1alpha1.LabelManagedBy:    platformv1alpha1.ManagedByValue,
			},
		},
		Spec: platformv1alpha1.ReleaseSpec{
			ComponentRef:  platformv1alpha1.LocalObjectReference{Name: c.Name},
			Image:         image,
			ComponentSpec: spec,
			ComponentType: pinned.Type,
			Traits:        pinned.Traits,
		},
	}, nil
}
