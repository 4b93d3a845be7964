package gitops

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"encoding/pem"
	"fmt"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	gossh "golang.org/x/crypto/ssh"

	platformv1alpha1 "github.com/aileron-dev/aileron/api/v1alpha1"
	"github.com/aileron-dev/aileron/test/gitserver"
	"github.com/aileron-dev/aileron/test/testbed"
)

var _ = Describe("Repository credentials", Ordered, func() {
	const tenant, plane = "vault", "vault-eu"

	It("never appear in a status, an event or the manager's log, even when the repository's server repeats them", func() {
		server := gitserver.StartHostile()
		DeferCleanup(server.Close)
		const urlSecret, token = "url-password-5c0ffee1", "https-token-d15ea5e7"
		_, key, err := ed25519.GenerateKey(rand.Reader)
		Expect(err).NotTo(HaveOccurred())
		block, err := gossh.MarshalPrivateKey(key, "")
		Expect(err).NotTo(HaveOccurred())
		sshKey := pem.EncodeToMemory(block)
		host := strings.TrimPrefix(server.URL, "http://")
		for _, s := range []*corev1.Secret{
			{ObjectMeta: metav1.ObjectMeta{Namespace: testbed.OperatorNamespace, Name: "vault-git"},
				Data: map[string][]byte{"username": []byte("carol"), "password": []byte(token)}},
			// A second organization's SSH key, which Aileron reads too.
			{ObjectMeta: metav1.ObjectMeta{Namespace: testbed.OperatorNamespace, Name: "vault-ssh"},
				Data: map[string][]byte{"sshPrivateKey": sshKey, "sshKnownHosts": []byte("127.0.0.1 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl\n")}},
		} {
			Expect(hub.Create(ctx, s)).To(Succeed())
		}
		Expect(hub.Create(ctx, &platformv1alpha1.DataPlane{
			ObjectMeta: metav1.ObjectMeta{Name: plane},
			Spec: platformv1alpha1.DataPlaneSpec{
				// The hub's own API server: Argo CD refuses a server that two
				// of its clusters share, and eu-1 and na-1 are the suite's.
				PlaneConnection: platformv1alpha1.PlaneConnection{KubeconfigSecretRef: platformv1alpha1.KubeconfigSecretReference{Name: "observer-kubeconfig"}},
				Delivery:        platformv1alpha1.DeliveryGitOps,
			},
		})).To(Succeed())
		for _, o := range []struct {
			name, url, secret string
		}{
			{tenant, "http://carol:" + urlSecret + "@" + host + "/platform.git", "vault-git"},
			{tenant + "-ssh", "ssh://git@127.0.0.1:1/platform.git", "vault-ssh"},
		} {
			Expect(hub.Create(ctx, &platformv1alpha1.Organization{
				ObjectMeta: metav1.ObjectMeta{Name: o.name},
				Spec: platformv1alpha1.OrganizationSpec{GitOps: &platformv1alpha1.GitOpsSpec{Repository: platformv1alpha1.GitRepository{
					URL: o.url, SecretRef: &platformv1alpha1.LocalObjectReference{Name: o.secret},
				}}},
			})).To(Succeed())
			Eventually(func() error { return hub.Get(ctx, client.ObjectKey{Name: o.name}, &corev1.Namespace{}) }).Should(Succeed())
			for _, obj := range []client.Object{
				&platformv1alpha1.Environment{ObjectMeta: metav1.ObjectMeta{Namespace: o.name, Name: "live"},
					Spec: platformv1alpha1.EnvironmentSpec{DataPlaneRef: &platformv1alpha1.LocalObjectReference{Name: plane}}},
				&platformv1alpha1.Environment{ObjectMeta: metav1.ObjectMeta{Namespace: o.name, Name: "next"},
					Spec: platformv1alpha1.EnvironmentSpec{DataPlaneRef: &platformv1alpha1.LocalObjectReference{Name: plane}}},
				&platformv1alpha1.DeploymentPipeline{ObjectMeta: metav1.ObjectMeta{Namespace: o.name, Name: "pipeline"},
					Spec: platformv1alpha1.DeploymentPipelineSpec{PromotionPaths: []platformv1alpha1.PromotionPath{{
						SourceEnvironmentRef: "live", TargetEnvironmentRefs: []platformv1alpha1.TargetEnvironment{{Name: "next"}}}}}},
				&platformv1alpha1.Project{ObjectMeta: metav1.ObjectMeta{Namespace: o.name, Name: "shop"},
					Spec: platformv1alpha1.ProjectSpec{DeploymentPipelineRef: platformv1alpha1.LocalObjectReference{Name: "pipeline"}}},
				&platformv1alpha1.Component{ObjectMeta: metav1.ObjectMeta{Namespace: o.name, Name: "api"},
					Spec: platformv1alpha1.ComponentSpec{ProjectRef: platformv1alpha1.LocalObjectReference{Name: "shop"},
						Type: platformv1alpha1.ComponentService, Image: "registry.example/vault/api:1", AutoDeploy: true,
						Endpoints: []platformv1alpha1.Endpoint{{Name: "http", Port: 8080}}}},
			} {
				Expect(hub.Create(ctx, obj)).To(Succeed())
			}
		}

		By("the server's refusal, with what it repeats, reaches the binding")
		Eventually(func(g Gomega) {
			b := &platformv1alpha1.ReleaseBinding{}
			g.Expect(hub.Get(ctx, client.ObjectKey{Namespace: tenant, Name: "api--live"}, b)).To(Succeed())
			c := meta.FindStatusCondition(b.Status.Conditions, platformv1alpha1.ConditionReady)
			g.Expect(c).NotTo(BeNil())
			g.Expect(c.Status).To(Equal(metav1.ConditionFalse))
			g.Expect(c.Message).To(ContainSubstring("cannot serve"), "the server's own words reach the status")
		}).Should(Succeed())
		Eventually(func(g Gomega) {
			b := &platformv1alpha1.ReleaseBinding{}
			g.Expect(hub.Get(ctx, client.ObjectKey{Namespace: tenant + "-ssh", Name: "api--live"}, b)).To(Succeed())
			c := meta.FindStatusCondition(b.Status.Conditions, platformv1alpha1.ConditionReady)
			g.Expect(c).NotTo(BeNil())
			g.Expect(c.Status).To(Equal(metav1.ConditionFalse))
		}).Should(Succeed())

		By("no credential anywhere: statuses, events, the manager's log")
		needles := []string{urlSecret, token}
		for _, user := range []string{"carol", "git"} {
			for _, secret := range []string{urlSecret, token} {
				needles = append(needles, base64.StdEncoding.EncodeToString([]byte(user+":"+secret)))
			}
		}
		for _, line := range strings.Split(string(sshKey), "\n") {
			if len(line) > 16 && !strings.HasPrefix(line, "-----") {
				needles = append(needles, line)
			}
		}
		var haystacks []string
		for _, ns := range []string{tenant, tenant + "-ssh"} {
			for _, list := range []client.ObjectList{&platformv1alpha1.ReleaseBindingList{}, &platformv1alpha1.ComponentList{}, &platformv1alpha1.EnvironmentList{}} {
				Expect(hub.List(ctx, list, client.InNamespace(ns))).To(Succeed())
				haystacks = append(haystacks, dump(list))
			}
		}
		for _, list := range []client.ObjectList{&platformv1alpha1.DataPlaneList{}, &corev1.EventList{}, &eventsv1.EventList{}} {
			Expect(hub.List(ctx, list)).To(Succeed())
			haystacks = append(haystacks, dump(list))
		}
		// An organization's spec holds the URL it was given, password and
		// all; what Aileron writes of it is its status.
		orgs := &platformv1alpha1.OrganizationList{}
		Expect(hub.List(ctx, orgs)).To(Succeed())
		for _, o := range orgs.Items {
			b, err := yaml.Marshal(o.Status)
			Expect(err).NotTo(HaveOccurred())
			haystacks = append(haystacks, string(b))
		}
		log := managerLog.String()
		Expect(len(log)).To(BeNumerically(">", 10000), "the manager's log was captured")
		haystacks = append(haystacks, log)
		for i, h := range haystacks {
			for _, n := range needles {
				Expect(strings.Contains(h, n)).To(BeFalse(), "a repository credential (%s…) appears in a status, an event or the manager's log (haystack %d of %d: the log is the last)", n[:6], i+1, len(haystacks))
			}
		}

		By("the organizations go, once their repository is one Aileron can write")
		for _, name := range []string{tenant, tenant + "-ssh"} {
			Expect(hub.Patch(ctx, &platformv1alpha1.Organization{ObjectMeta: metav1.ObjectMeta{Name: name}},
				client.RawPatch(types.MergePatchType, []byte(fmt.Sprintf(`{"spec":{"gitOps":{"repository":{"url":%q,"secretRef":null}}}}`, "file://"+repoDir))))).To(Succeed())
			Expect(hub.Delete(ctx, &platformv1alpha1.Organization{ObjectMeta: metav1.ObjectMeta{Name: name}})).To(Succeed())
		}
		for _, name := range []string{tenant, tenant + "-ssh"} {
			Eventually(func() bool {
				return apierrors.IsNotFound(hub.Get(ctx, client.ObjectKey{Name: name}, &platformv1alpha1.Organization{}))
			}).Should(BeTrue(), "organization %s is deleted", name)
		}
		Expect(hub.Delete(ctx, &platformv1alpha1.DataPlane{ObjectMeta: metav1.ObjectMeta{Name: plane}})).To(Succeed())
		Eventually(func() bool {
			return apierrors.IsNotFound(hub.Get(ctx, client.ObjectKey{Name: plane}, &platformv1alpha1.DataPlane{}))
		}).Should(BeTrue(), "the plane is deleted")
	})
})

func dump(list client.ObjectList) string {
	b, err := yaml.Marshal(list)
	Expect(err).NotTo(HaveOccurred())
	return string(b)
}
