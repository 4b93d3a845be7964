package dashboard

import (
	"context"
	"errors"
	"net/http"
	"strings"

	authenticationv1 "k8s.io/api/authentication/v1"
	authorizationv1 "k8s.io/api/authorization/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	platformv1alpha1 "github.com/aileron-dev/aileron/api/v1alpha1"
)

// Authorizer decides what the caller of a page may see.
type Authorizer interface {
	// Identify authenticates the request; the result is passed to CanList.
	Identify(r *http.Request) (*authenticationv1.UserInfo, error)
	// CanList reports whether user may list resource of the Aileron API in
	// namespace ("" for cluster-scoped kinds).
	CanList(ctx context.Context, user *authenticationv1.UserInfo, resource, namespace string) (bool, error)
}

// errUnauthenticated is answered with 401.
var errUnauthenticated = errors.New("send a Kubernetes bearer token: Authorization: Bearer <token>")

// AllowAll shows everything to everyone: for a dashboard bound to
// localhost, as the local demo runs it, where the caller is the hub's
// administrator anyway.
type AllowAll struct{}

func (AllowAll) Identify(*http.Request) (*authenticationv1.UserInfo, error) {
	return &authenticationv1.UserInfo{Username: "local"}, nil
}

func (AllowAll) CanList(context.Context, *authenticationv1.UserInfo, string, string) (bool, error) {
	return true, nil
}

// KubernetesAuthorizer shows each caller what their own Kubernetes identity
// may read: the request's bearer token is authenticated with a TokenReview,
// and every page section is checked with a SubjectAccessReview for `list`
// on the kind it shows, in the namespace it shows. The dashboard reads with
// the manager's identity; this is what keeps a tenant from seeing another.
type KubernetesAuthorizer struct {
	Clientset kubernetes.Interface
}

func (a KubernetesAuthorizer) Identify(r *http.Request) (*authenticationv1.UserInfo, error) {
	token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok || token == "" {
		return nil, errUnauthenticated
	}
	review, err := a.Clientset.AuthenticationV1().TokenReviews().Create(r.Context(),
		&authenticationv1.TokenReview{Spec: authenticationv1.TokenReviewSpec{Token: token}}, metav1.CreateOptions{})
	if err != nil {
		return nil, err
	}
	if !review.Status.Authenticated {
		return nil, errUnauthenticated
	}
	return &review.Status.User, nil
}

func (a KubernetesAuthorizer) CanList(ctx context.Context, user *authenticationv1.UserInfo, resource, namespace string) (bool, error) {
	extra := map[string]authorizationv1.ExtraValue{}
	for k, v := range user.Extra {
		extra[k] = authorizationv1.ExtraValue(v)
	}
	sar, err := a.Clientset.AuthorizationV1().SubjectAccessReviews().Create(ctx, &authorizationv1.SubjectAccessReview{
		Spec: authorizationv1.SubjectAccessReviewSpec{
			User: user.Username, Groups: user.Groups, UID: user.UID, Extra: extra,
			ResourceAttributes: &authorizationv1.ResourceAttributes{
				Group: platformv1alpha1.GroupVersion.Group, Resource: resource, Namespace: namespace, Verb: "list",
			},
		},
	}, metav1.CreateOptions{})
	if err != nil {
		return false, err
	}
	return sar.Status.Allowed, nil
}
