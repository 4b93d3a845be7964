// Package dashboard is a read-only web view of the platform, served by the
// manager: the fleet of planes, each organization's environments ×
// components matrix with pending approvals, and each component's delivery
// per environment and plane. Pages are rendered on the server with the
// standard library's templates and need nothing from the network; they
// refresh their content in place every few seconds.
package dashboard

import (
	"bytes"
	"context"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"net"
	"net/http"
	"sort"
	"time"

	authenticationv1 "k8s.io/api/authentication/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	platformv1alpha1 "github.com/aileron-dev/aileron/api/v1alpha1"
	"github.com/aileron-dev/aileron/internal/pipeline"
)

//go:embed templates/*.html
var templateFiles embed.FS

// RefreshInterval is how often pages refresh their content.
const RefreshInterval = 3 * time.Second

// Server serves the dashboard.
type Server struct {
	// Reader reads the platform: the manager's cache.
	Reader client.Reader
	// Auth decides what each caller may see.
	Auth Authorizer
	// Addr is the address to listen on.
	Addr string

	pages map[string]*template.Template
}

// NeedLeaderElection is false: every replica serves the dashboard.
func (s *Server) NeedLeaderElection() bool { return false }

// Start serves until ctx ends.
func (s *Server) Start(ctx context.Context) error {
	ln, err := net.Listen("tcp", s.Addr)
	if err != nil {
		return fmt.Errorf("the dashboard cannot listen on %s: %w", s.Addr, err)
	}
	return s.Serve(ctx, ln)
}

// Serve serves on ln until ctx ends.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	srv := &http.Server{Handler: s.Handler(), ReadHeaderTimeout: 10 * time.Second}
	go func() {
		<-ctx.Done()
		shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(shutdown) //nolint:contextcheck // the serving context is already done
	}()
	ctrl.LoggerFrom(ctx).Info("serving the dashboard", "address", ln.Addr().String())
	if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

func (s *Server) parse() error {
	s.pages = map[string]*template.Template{}
	for _, page := range []string{"fleet", "org", "component", "message"} {
		t, err := template.ParseFS(templateFiles, "templates/layout.html", "templates/"+page+".html")
		if err != nil {
			return err
		}
		s.pages[page] = t
	}
	return nil
}

// Handler routes the pages.
func (s *Server) Handler() http.Handler {
	if s.pages == nil {
		if err := s.parse(); err != nil {
			panic(fmt.Sprintf("the dashboard's embedded templates do not parse: %v", err))
		}
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", s.fleet)
	mux.HandleFunc("GET /orgs/{org}", s.org)
	mux.HandleFunc("GET /orgs/{org}/components/{name}", s.component)
	return mux
}

type page struct {
	Title          string
	Orgs           []string
	Data           any
	ReadAt         string
	RefreshSeconds int
}

// render writes a page, or only its content when the page's own script
// asks for a refresh.
func (s *Server) render(w http.ResponseWriter, r *http.Request, name string, status int, p page) {
	readAt := time.Now().UTC().Format("15:04:05 UTC")
	p.ReadAt, p.RefreshSeconds = readAt, int(RefreshInterval/time.Second)
	var buf bytes.Buffer
	tmpl := "layout"
	if r.Header.Get("X-Aileron-Partial") != "" {
		tmpl = "content"
	}
	if err := s.pages[name].ExecuteTemplate(&buf, tmpl, p); err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("X-Aileron-Read-At", readAt)
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

func (s *Server) fail(w http.ResponseWriter, r *http.Request, status int, message string) {
	s.render(w, r, "message", status, page{Title: http.StatusText(status), Data: message})
}

// identify authenticates the caller and lists the organizations they may
// see; it answers the request itself when it cannot.
func (s *Server) identify(w http.ResponseWriter, r *http.Request) (*authenticationv1.UserInfo, []string, bool) {
	user, err := s.Auth.Identify(r)
	if err != nil {
		status := http.StatusInternalServerError
		if errors.Is(err, errUnauthenticated) {
			status = http.StatusUnauthorized
		}
		s.fail(w, r, status, err.Error())
		return nil, nil, false
	}
	list := &platformv1alpha1.OrganizationList{}
	if err := s.Reader.List(r.Context(), list); err != nil {
		s.fail(w, r, http.StatusInternalServerError, err.Error())
		return nil, nil, false
	}
	var orgs []string
	for _, o := range list.Items {
		if ok, err := s.Auth.CanList(r.Context(), user, "components", o.Name); err == nil && ok {
			orgs = append(orgs, o.Name)
		}
	}
	sort.Strings(orgs)
	return user, orgs, true
}

func (s *Server) fleet(w http.ResponseWriter, r *http.Request) {
	user, orgs, ok := s.identify(w, r)
	if !ok {
		return
	}
	ctx := r.Context()
	// Each plane kind is shown only to a caller who may list it.
	var planes []platformv1alpha1.Plane
	shown := 0
	for _, kind := range []struct {
		resource string
		list     client.ObjectList
	}{
		{"dataplanes", &platformv1alpha1.DataPlaneList{}},
		{"buildplanes", &platformv1alpha1.BuildPlaneList{}},
		{"observabilityplanes", &platformv1alpha1.ObservabilityPlaneList{}},
	} {
		if allowed, err := s.Auth.CanList(ctx, user, kind.resource, ""); err != nil || !allowed {
			continue
		}
		shown++
		if err := s.Reader.List(ctx, kind.list); err != nil {
			s.fail(w, r, http.StatusInternalServerError, err.Error())
			return
		}
		items, err := meta.ExtractList(kind.list)
		if err != nil {
			s.fail(w, r, http.StatusInternalServerError, err.Error())
			return
		}
		for _, item := range items {
			planes = append(planes, item.(platformv1alpha1.Plane))
		}
	}
	if shown == 0 {
		s.render(w, r, "message", http.StatusForbidden, page{Title: "Fleet", Orgs: orgs,
			Data: "Your identity may not list the platform's planes. Pick an organization above."})
		return
	}
	bindings := &platformv1alpha1.ReleaseBindingList{}
	if err := s.Reader.List(ctx, bindings); err != nil {
		s.fail(w, r, http.StatusInternalServerError, err.Error())
		return
	}
	s.render(w, r, "fleet", http.StatusOK, page{Title: "Fleet", Orgs: orgs, Data: FleetView(planes, bindings.Items, time.Now())})
}

func (s *Server) org(w http.ResponseWriter, r *http.Request) {
	_, orgs, ok := s.identify(w, r)
	if !ok {
		return
	}
	org := r.PathValue("org")
	if !contains(orgs, org) {
		s.fail(w, r, http.StatusNotFound, "No organization "+org+" that you may see.")
		return
	}
	ctx, in := r.Context(), client.InNamespace(org)
	envs, pls := &platformv1alpha1.EnvironmentList{}, &platformv1alpha1.DeploymentPipelineList{}
	comps, bindings, promos := &platformv1alpha1.ComponentList{}, &platformv1alpha1.ReleaseBindingList{}, &platformv1alpha1.PromotionList{}
	for _, l := range []client.ObjectList{envs, pls, comps, bindings, promos} {
		if err := s.Reader.List(ctx, l, in); err != nil {
			s.fail(w, r, http.StatusInternalServerError, err.Error())
			return
		}
	}
	v := BuildOrgView(org, envs.Items, pls.Items, comps.Items, bindings.Items, promos.Items, time.Now())
	s.render(w, r, "org", http.StatusOK, page{Title: org, Orgs: orgs, Data: v})
}

// ComponentView is the component page.
type ComponentView struct {
	Name, Organization, Project, Type string
	Conditions                        []metav1.Condition
	Environments                      []EnvironmentView
}

// EnvironmentView is a component in one environment.
type EnvironmentView struct {
	Name, Release, Health string
	URLs                  []string
	// Overrides names what the environment overrides of the release.
	Overrides  []string
	Planes     []platformv1alpha1.PlaneDeliveryStatus
	Conditions []metav1.Condition
	History    []platformv1alpha1.BindingHistoryEntry
}

func (s *Server) component(w http.ResponseWriter, r *http.Request) {
	_, orgs, ok := s.identify(w, r)
	if !ok {
		return
	}
	org, name := r.PathValue("org"), r.PathValue("name")
	if !contains(orgs, org) {
		s.fail(w, r, http.StatusNotFound, "No organization "+org+" that you may see.")
		return
	}
	c := &platformv1alpha1.Component{}
	if err := s.Reader.Get(r.Context(), client.ObjectKey{Namespace: org, Name: name}, c); err != nil {
		s.fail(w, r, http.StatusNotFound, "No component "+name+" in "+org+".")
		return
	}
	bindings := &platformv1alpha1.ReleaseBindingList{}
	if err := s.Reader.List(r.Context(), bindings, client.InNamespace(org)); err != nil {
		s.fail(w, r, http.StatusInternalServerError, err.Error())
		return
	}
	v := ComponentView{Name: c.Name, Organization: org, Project: c.Spec.ProjectRef.Name, Type: string(c.Spec.Type), Conditions: c.Status.Conditions}
	for i := range bindings.Items {
		b := &bindings.Items[i]
		if b.Spec.ComponentRef.Name != name {
			continue
		}
		ev := EnvironmentView{Name: b.Spec.EnvironmentRef.Name, Release: b.Spec.Release, Health: bindingHealth(b),
			Planes: b.Status.Planes, Conditions: b.Status.Conditions, History: b.Status.History,
			Overrides: pipeline.OverriddenFields(b.Spec.Overrides)}
		for _, p := range b.Status.Planes {
			ev.URLs = append(ev.URLs, p.URLs...)
		}
		v.Environments = append(v.Environments, ev)
	}
	sort.Slice(v.Environments, func(i, j int) bool { return v.Environments[i].Name < v.Environments[j].Name })
	s.render(w, r, "component", http.StatusOK, page{Title: name, Orgs: orgs, Data: v})
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
