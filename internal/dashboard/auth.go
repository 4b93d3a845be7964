package dashboard

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"time"

	authenticationv1 "k8s.io/api/authentication/v1"
	authorizationv1 "k8s.io/api/authorization/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/cache"
	"k8s.io/client-go/kubernetes"
	"k8s.io/utils/clock"

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

// Review answers are cached for a short time, so that a page refreshing
// every few seconds, in many tabs, does not cost the API server a
// TokenReview and a SubjectAccessReview per section on every refresh. The
// price is that a revoked token or role stops showing data up to TTL later.
const (
	DefaultReviewTTL = 10 * time.Second
	// DefaultTokenCacheSize and DefaultAccessCacheSize bound the memory the
	// caches take whatever callers send: past them, the least recently
	// used answers go first.
	DefaultTokenCacheSize  = 1024
	DefaultAccessCacheSize = 8192
)

// CacheOptions shape the review caches; zero values are the defaults.
type CacheOptions struct {
	// TTL is how long an answer is reused.
	TTL time.Duration
	// TokenCacheSize and AccessCacheSize are the most answers kept.
	TokenCacheSize, AccessCacheSize int
	// Clock tells the time (tests step it).
	Clock cache.Clock
}

// KubernetesAuthorizer shows each caller what their own Kubernetes identity
// may read: the request's bearer token is authenticated with a TokenReview,
// and every page section is checked with a SubjectAccessReview for `list`
// on the kind it shows, in the namespace it shows. The dashboard reads with
// the manager's identity; this is what keeps a tenant from seeing another.
// Both answers are cached for CacheOptions.TTL.
type KubernetesAuthorizer struct {
	clientset kubernetes.Interface
	ttl       time.Duration
	// tokens maps the SHA-256 of a token (never the token itself) to its
	// review's answer; access maps a user and a question to the answer.
	tokens, access *cache.LRUExpireCache
}

// NewKubernetesAuthorizer reviews callers with clientset.
func NewKubernetesAuthorizer(clientset kubernetes.Interface, o CacheOptions) *KubernetesAuthorizer {
	if o.TTL <= 0 {
		o.TTL = DefaultReviewTTL
	}
	if o.TokenCacheSize <= 0 {
		o.TokenCacheSize = DefaultTokenCacheSize
	}
	if o.AccessCacheSize <= 0 {
		o.AccessCacheSize = DefaultAccessCacheSize
	}
	if o.Clock == nil {
		o.Clock = clock.RealClock{}
	}
	return &KubernetesAuthorizer{
		clientset: clientset, ttl: o.TTL,
		tokens: cache.NewLRUExpireCacheWithClock(o.TokenCacheSize, o.Clock),
		access: cache.NewLRUExpireCacheWithClock(o.AccessCacheSize, o.Clock),
	}
}

// tokenAnswer is a TokenReview's answer: who, or nobody.
type tokenAnswer struct {
	user          authenticationv1.UserInfo
	authenticated bool
}

func (a *KubernetesAuthorizer) Identify(r *http.Request) (*authenticationv1.UserInfo, error) {
	token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok || token == "" {
		return nil, errUnauthenticated
	}
	sum := sha256.Sum256([]byte(token))
	key := hex.EncodeToString(sum[:])
	answer, cached := a.tokens.Get(key)
	if !cached {
		review, err := a.clientset.AuthenticationV1().TokenReviews().Create(r.Context(),
			&authenticationv1.TokenReview{Spec: authenticationv1.TokenReviewSpec{Token: token}}, metav1.CreateOptions{})
		if err != nil {
			return nil, err // not cached: the next request asks again
		}
		answer = tokenAnswer{user: review.Status.User, authenticated: review.Status.Authenticated}
		a.tokens.Add(key, answer, a.ttl)
	}
	ta := answer.(tokenAnswer)
	if !ta.authenticated {
		return nil, errUnauthenticated
	}
	return ta.user.DeepCopy(), nil
}

// accessQuestion is what a SubjectAccessReview asks, as a cache key: every
// part of the identity the authorizer may decide on, and the question.
type accessQuestion struct {
	User, UID, Resource, Namespace string
	Groups                         []string
	Extra                          map[string]authenticationv1.ExtraValue
}

func (a *KubernetesAuthorizer) CanList(ctx context.Context, user *authenticationv1.UserInfo, resource, namespace string) (bool, error) {
	key, err := json.Marshal(accessQuestion{User: user.Username, UID: user.UID, Groups: user.Groups, Extra: user.Extra,
		Resource: resource, Namespace: namespace})
	if err != nil {
		return false, err
	}
	if allowed, ok := a.access.Get(string(key)); ok {
		return allowed.(bool), nil
	}
	extra := map[string]authorizationv1.ExtraValue{}
	for k, v := range user.Extra {
		extra[k] = authorizationv1.ExtraValue(v)
	}
	sar, err := a.clientset.AuthorizationV1().SubjectAccessReviews().Create(ctx, &authorizationv1.SubjectAccessReview{
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
	a.access.Add(string(key), sar.Status.Allowed, a.ttl)
	return sar.Status.Allowed, nil
}
