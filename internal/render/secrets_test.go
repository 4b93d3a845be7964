package render

import (
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/utils/ptr"

	platformv1alpha1 "github.com/aileron-dev/aileron/api/v1alpha1"
)

// secretsInput is the api reading its database password and a TLS key
// from two SecretReferences, on a plane that offers the store "vault";
// production reads the password from its own path.
func secretsInput() Input {
	in := base("api", platformv1alpha1.ComponentService)
	in.Plane.SecretStore = "vault"
	in.Spec.Endpoints = []platformv1alpha1.Endpoint{{Name: "http", Port: 8080, Protocol: platformv1alpha1.ProtocolHTTP, Visibility: platformv1alpha1.VisibilityProject}}
	in.Spec.Container.Env = []platformv1alpha1.EnvVar{
		{Name: "LOG_LEVEL", Value: ptr.To("info")},
		{Name: "DATABASE_PASSWORD", SecretRef: &platformv1alpha1.SecretRefKey{Name: "shop-db", Key: "password"}},
		{Name: "DATABASE_USER", SecretRef: &platformv1alpha1.SecretRefKey{Name: "shop-db", Key: "user"}},
	}
	in.Spec.Container.Files = []platformv1alpha1.ConfigFile{
		{MountPath: "/etc/api/features.json", Content: `{"fast": true}`},
		{MountPath: "/etc/tls/tls.key", SecretRef: &platformv1alpha1.SecretRefKey{Name: "shop-tls", Key: "key"}},
		{MountPath: "/etc/tls/tls.crt", SecretRef: &platformv1alpha1.SecretRefKey{Name: "shop-tls", Key: "cert"}},
	}
	in.Secrets = map[string]platformv1alpha1.SecretReferenceSpec{
		"shop-db": {Data: []platformv1alpha1.SecretReferenceKey{
			{Key: "password", RemoteKey: "shop/db", Property: "password",
				Environments: []platformv1alpha1.EnvironmentRemoteKey{{Environment: "production", RemoteKey: "shop/production/db"}}},
			{Key: "user", RemoteKey: "shop/db", Property: "user"},
			{Key: "admin-password", RemoteKey: "shop/db-admin"},
		}},
		"shop-tls": {RefreshInterval: &metav1.Duration{Duration: 15 * time.Minute}, Data: []platformv1alpha1.SecretReferenceKey{
			{Key: "key", RemoteKey: "shop/tls", Property: "tls.key"},
			{Key: "cert", RemoteKey: "shop/tls", Property: "tls.crt"},
		}},
	}
	return in
}

// externalSecretData is each rendered ExternalSecret's data, as
// "secretKey=remoteKey#property", by the ExternalSecret's name.
func externalSecretData(t *testing.T, objs Objects) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	for _, o := range objs {
		if o.GetKind() != ExternalSecretKind {
			continue
		}
		data, _, _ := unstructured.NestedSlice(o.Object, "spec", "data")
		for _, d := range data {
			m := d.(map[string]any)
			remote := m["remoteRef"].(map[string]any)
			property, _ := remote["property"].(string)
			out[o.GetName()] = append(out[o.GetName()], m["secretKey"].(string)+"="+remote["key"].(string)+"#"+property)
		}
	}
	return out
}

func TestSecretsReadOnlyTheKeysUsedFromEachEnvironmentsRemoteKey(t *testing.T) {
	for env, want := range map[string]map[string][]string{
		"production": {
			"api--shop-db":  {"password=shop/production/db#password", "user=shop/db#user"},
			"api--shop-tls": {"cert=shop/tls#tls.crt", "key=shop/tls#tls.key"},
		},
		"staging": {
			"api--shop-db":  {"password=shop/db#password", "user=shop/db#user"},
			"api--shop-tls": {"cert=shop/tls#tls.crt", "key=shop/tls#tls.key"},
		},
	} {
		in := secretsInput()
		in.Environment = env
		objs, err := Component(in)
		if err != nil {
			t.Fatal(err)
		}
		got := externalSecretData(t, objs)
		if len(got) != len(want) {
			t.Fatalf("%s: ExternalSecrets %v, want %v", env, got, want)
		}
		for name, data := range want {
			if strings.Join(got[name], " ") != strings.Join(data, " ") {
				t.Errorf("%s: ExternalSecret %s reads %v, want %v", env, name, got[name], data)
			}
		}
	}
}

func TestSecretsRefused(t *testing.T) {
	for name, tc := range map[string]struct {
		edit func(*Input)
		want string
	}{
		"missing reference": {func(in *Input) { delete(in.Secrets, "shop-tls") },
			"file /etc/tls/tls.crt: SecretReference shop-tls does not exist in organization acme"},
		"missing key": {func(in *Input) { in.Spec.Container.Env[1].SecretRef.Key = "passwd" },
			"env DATABASE_PASSWORD: SecretReference shop-db has no key passwd (its keys: password, user, admin-password)"},
		"no store": {func(in *Input) { in.Plane.SecretStore = "" },
			"plane eu-1 offers no secret store, and the component reads SecretReference shop-db: the platform team sets the DataPlane's spec.secretStoreRef"},
		"missing key in an override": {func(in *Input) {
			in.Overrides = &platformv1alpha1.BindingOverrides{Env: []platformv1alpha1.EnvVar{
				{Name: "DATABASE_USER", SecretRef: &platformv1alpha1.SecretRefKey{Name: "shop-db", Key: "owner"}}}}
		}, "env DATABASE_USER: SecretReference shop-db has no key owner (its keys: password, user, admin-password)"},
	} {
		t.Run(name, func(t *testing.T) {
			in := secretsInput()
			tc.edit(&in)
			_, err := Component(in)
			if err == nil || err.Error() != tc.want {
				t.Fatalf("got %v, want %q", err, tc.want)
			}
			// The binding's check before any plane says the same, but
			// for the plane's store, which only a plane knows.
			if name != "no store" {
				if err := Check(in); err == nil || err.Error() != tc.want {
					t.Fatalf("Check: got %v, want %q", err, tc.want)
				}
			}
		})
	}
}

// A key read from elsewhere restarts the pods: their spec names the same
// Secret and key, so only the config hash can tell them.
func TestSecretSourcesAreInTheConfigHash(t *testing.T) {
	hash := func(in Input) string {
		t.Helper()
		objs, err := Component(in)
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range objs {
			if o.GetKind() == "Deployment" {
				h, _, _ := unstructured.NestedString(o.Object, "spec", "template", "metadata", "annotations", ConfigHashAnnotation)
				return h
			}
		}
		t.Fatal("no Deployment")
		return ""
	}
	in := secretsInput()
	before := hash(in)
	in.Secrets["shop-db"].Data[1].RemoteKey = "shop/db-v2"
	if after := hash(in); after == before {
		t.Fatal("the config hash did not change with the remote key")
	}
	in = secretsInput()
	in.Secrets["shop-db"].Data[2].RemoteKey = "shop/elsewhere" // a key the component does not read
	if after := hash(in); after != before {
		t.Fatal("the config hash changed with a key the component does not read")
	}
}

func TestSecretRefNamesFollowTheOverrides(t *testing.T) {
	in := secretsInput()
	if got := strings.Join(SecretRefNames(in.Spec, nil), ","); got != "shop-db,shop-tls" {
		t.Fatalf("got %s", got)
	}
	// The files from shop-tls become plain content in this environment,
	// and a variable reads another reference.
	over := &platformv1alpha1.BindingOverrides{
		Env: []platformv1alpha1.EnvVar{{Name: "SENTRY_DSN", SecretRef: &platformv1alpha1.SecretRefKey{Name: "sentry", Key: "dsn"}}},
		Files: []platformv1alpha1.ConfigFile{
			{MountPath: "/etc/tls/tls.key", Content: "test key"}, {MountPath: "/etc/tls/tls.crt", Content: "test cert"},
		},
	}
	if got := strings.Join(SecretRefNames(in.Spec, over), ","); got != "sentry,shop-db" {
		t.Fatalf("got %s", got)
	}
	if got := strings.Join(OverrideSecretRefNames(over), ","); got != "sentry" {
		t.Fatalf("got %s", got)
	}
}
